#!/usr/bin/env python3
"""Writes the format-variant inputs of the importer golden tests (tests/data/import/*.log)
from one boot, written from the kernel's own format strings (kernel-model.md §4). The
handwritten inputs (dmesg-6.1-dyndbg.log, dmesg-6.12-devdbg.log, initcall-debug.log,
devices-deferred.log) are not generated. Run from anywhere; then regenerate the goldens:
REPROBE_UPDATE_GOLDEN=1 <builddir>/tests/log_import_golden_test"""
import gzip, lzma, os, subprocess

HERE = os.path.dirname(os.path.abspath(__file__))

# A Debian 6.1 laptop without dyndbg: SOF binds, the HDMI codec driver never loads, so the
# HDA machine driver keeps deferring on the iDisp DAI until the timeout reports it.
BOOT = [
    (0.0, 6, "Linux version 6.1.0-26-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.112-1 (2024-09-30)"),
    (0.0, 6, "Command line: BOOT_IMAGE=/boot/vmlinuz-6.1.0-26-amd64 root=UUID=2f1e0c8a-5b7d-4e21-9a3c-0d9e8f7a6b5c ro quiet"),
    (0.012345, 6, "ACPI: Early table checksum verification disabled"),
    (0.210000, 6, "pci 0000:00:1f.3: [8086:a0c8] type 00 class 0x040100"),
    (0.210100, 6, "pci 0000:00:02.0: [8086:9a49] type 00 class 0x030000"),
    (1.001000, 6, "usb 1-1: new high-speed USB device number 2 using xhci_hcd"),
    (1.200000, 6, "e1000e 0000:00:1f.6 eth0: (PCI Express:2.5GT/s:Width x1) 8c:8c:aa:11:22:33"),
    (1.480000, 6, "i915 0000:00:02.0: [drm] Finished loading DMC firmware i915/tgl_dmc_ver2_12.bin (v2.12)"),
    (1.490000, 4, "i915 0000:00:02.0: firmware: failed to load i915/tgl_guc_70.bin (-2)"),
    (4.300000, 6, "sof-audio-pci-intel-tgl 0000:00:1f.3: DSP detected with PCI class/subclass/prog-if info 0x040100"),
    (4.300500, 6, "sof-audio-pci-intel-tgl 0000:00:1f.3: Digital mics found on Skylake+ platform, using SOF driver"),
    (4.300900, 6, "sof-audio-pci-intel-tgl 0000:00:1f.3: enabling device (0000 -> 0002)"),
    (4.310000, 6, "sof-audio-pci-intel-tgl 0000:00:1f.3: hda codecs found, mask 5"),
    (4.310100, 6, "sof-audio-pci-intel-tgl 0000:00:1f.3: using HDA machine driver skl_hda_dsp_generic now"),
    (4.410000, 6, "sof-audio-pci-intel-tgl 0000:00:1f.3: firmware: direct-loading firmware intel/sof/sof-tgl.ri"),
    (4.520000, 6, "sof-audio-pci-intel-tgl 0000:00:1f.3: Firmware info: version 2:2:0-57864"),
    (4.520100, 6, "sof-audio-pci-intel-tgl 0000:00:1f.3: Firmware: ABI 3:22:1 Kernel ABI 3:23:0"),
    (4.600000, 6, "snd_hda_codec_realtek ehdaudio0D0: autoconfig for ALC287: line_outs=2 (0x14/0x17/0x0/0x0/0x0) type:speaker"),
    (4.600100, 6, "snd_hda_codec_realtek ehdaudio0D0:    speaker_outs=0 (0x0/0x0/0x0/0x0/0x0)"),
    (4.640000, 4, "snd_hda_codec_hdmi ehdaudio0D2: Direct firmware load for intel/hdmi-fw.bin failed with error -2"),
    (4.651000, 6, "skl_hda_dsp_generic skl_hda_dsp_generic: ASoC: CPU DAI iDisp1 Pin not registered"),
    (5.100000, 4, "request_module: kmod_concurrent_max (0) close to 0 (max_modprobes: 50), for module snd-hda-codec-hdmi, throttling..."),
    (6.200000, 5, "audit: type=1400 audit(1717068741.123:2): apparmor=\"STATUS\" operation=\"profile_load\" name=\"lsb_release\" pid=612 comm=\"apparmor_parser\""),
    (14.712000, 6, "platform skl_hda_dsp_generic: deferred probe pending"),
]
OTHER_PROGRAMS = [(3.0, "systemd[1]: Started systemd-udevd.service - Rule-based Manager for Device Events and Files."),
                  (7.5, "NetworkManager[655]: <info>  [1717068742.5000] manager: startup complete")]
LEVELS = ["emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"]
EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
DE = ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"]
BASE = 13 * 3600 + 32 * 60 + 17  # 13:32:17 wall clock at boot


def stamp(t):
    return "[%5d.%06d]" % (int(t), round((t - int(t)) * 1e6))


def wall(t):
    s = BASE + int(t)
    return "%02d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60)


def lines(fmt, with_programs=False):
    rows = [(t, lvl, m, False) for t, lvl, m in BOOT]
    if with_programs:
        rows += [(t, 6, m, True) for t, m in OTHER_PROGRAMS]
        rows.sort(key=lambda r: r[0])
    return [fmt(t, lvl, m, prog) for t, lvl, m, prog in rows]


def write(name, text, newline="\n"):
    with open(os.path.join(HERE, name), "w", newline="") as f:
        f.write(newline.join(text) + newline)


def main():
    plain = lines(lambda t, l, m, p: "%s %s" % (stamp(t), m))
    write("dmesg-plain.log", plain)
    write("dmesg-collapsed.log", lines(lambda t, l, m, p: "[ %.1f] %s" % (t, m)))
    write("dmesg-notime.log", lines(lambda t, l, m, p: m))
    prev = [0.0]
    def delta(t, l, m, p):
        d = t - prev[0]
        prev[0] = t
        return "[%5d.%06d <%5d.%06d>] %s" % (int(t), round((t - int(t)) * 1e6), int(d), round((d - int(d)) * 1e6), m)
    write("dmesg-delta.log", lines(delta))
    write("dmesg-iso.log", lines(lambda t, l, m, p: "2024-05-30T%s,%06d+02:00 %s" % (wall(t), round((t - int(t)) * 1e6), m)))
    write("dmesg-x.log", lines(lambda t, l, m, p: "kern  :%-6s: %s %s" % (LEVELS[l], stamp(t), m)))
    write("dmesg-raw.log", lines(lambda t, l, m, p: "<%d>%s %s" % (l, stamp(t), m)))
    write("syslog.log", lines(lambda t, l, m, p: "May 30 %s thinkpad %s" % (wall(t), m if p else "kernel: %s %s" % (stamp(t), m)), True))
    write("journal-short-de.log", lines(lambda t, l, m, p: "Mai 30 %s thinkpad %s" % (wall(t), m if p else "kernel: " + m), True))
    write("journal-monotonic.log", lines(lambda t, l, m, p: "%s thinkpad %s" % (stamp(t), m if p else "kernel: " + m), True))
    kmsg = []
    for seq, (t, l, m) in enumerate(BOOT):
        kmsg.append("%d,%d,%d,-;%s" % (l, seq + 1200, round(t * 1e6), m))
        first, _, rest = m.partition(" ")
        dev = rest.split(": ", 1)[0] if ": " in rest else ""
        if dev and " " not in dev and first[0].islower() and not first.endswith(":"):
            bus = "pci" if dev.count(":") == 2 else "hdaudio" if dev.startswith("ehdaudio") else "platform"
            kmsg += [" SUBSYSTEM=" + bus, " DEVICE=+%s:%s" % (bus, dev)]
    write("kmsg.log", kmsg)
    html = ["<html><body><pre>"] + [l.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "<br>" for l in plain] + ["</pre></body></html>"]
    write("html-crlf.log", html, "\r\n")
    mail = ["On Thu, 30 May 2024, Jane Doe wrote:", "> Here is my dmesg after a fresh boot:", ">",
            "root@thinkpad:~# dmesg | grep -iE 'sof|snd|defer'"]
    for i, l in enumerate(plain):
        if i == 5:
            mail.append("> [...]")
        if i == 9:
            mail.append("> $ sudo modprobe snd_sof_pci_intel_tgl" + l)
            continue
        q = "> " + l
        while len(q) > 72:  # hard wrap at 72 columns on a space, like a mail client
            cut = q.rfind(" ", 0, 72)
            mail.append(q[:cut])
            q = "> " + q[cut + 1:]
        mail.append(q)
    mail += ["> [   15.000001] ------------[ cut here ]------------",
             "> [   15.000002] WARNING: CPU: 2 PID: 120 at sound/soc/soc-core.c:1234 snd_soc_bind_card+0x1a/0x40 [snd_soc_core]",
             "> [   15.000003] Call Trace:", ">  <TASK>", ">  ? snd_soc_bind_card+0x1a/0x40 [snd_soc_core]", ">  </TASK>",
             "> [   15.000004] ---[ end trace 0000000000000000 ]---", "", "Any idea?"]
    write("email-wrapped.log", mail)
    write("flattened.log", [" ".join(plain)])
    mixed = plain[:8] + lines(lambda t, l, m, p: "May 30 %s thinkpad kernel: %s" % (wall(t), m))[8:16] + [m for _, _, m in BOOT[16:]]
    write("mixed.log", mixed)
    data = ("\n".join(plain) + "\n").encode()
    with open(os.path.join(HERE, "compressed", "dmesg-plain.log.gz"), "wb") as f:
        f.write(gzip.compress(data, mtime=0))
    with open(os.path.join(HERE, "compressed", "dmesg-plain.log.xz"), "wb") as f:
        f.write(lzma.compress(data))
    subprocess.run(["zstd", "-q", "-f", "-19", os.path.join(HERE, "dmesg-plain.log"), "-o",
                    os.path.join(HERE, "compressed", "dmesg-plain.log.zst")], check=True)


if __name__ == "__main__":
    os.makedirs(os.path.join(HERE, "compressed"), exist_ok=True)
    main()
