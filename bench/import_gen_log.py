#!/usr/bin/env python3
"""Writes a realistic mixed-format kernel log of about SIZE_MB megabytes for the import
benchmark (bench/import_bench.sh): repeated boots of a laptop with SOF/HDA deferrals among
ordinary driver chatter (USB, network, ACPI, audit, i915, filesystems), in plain dmesg,
kern.log/syslog (with other programs) and journalctl short formats, with dyndbg driver-core
lines in some boots. Deterministic (fixed seed).
usage: import_gen_log.py OUT SIZE_MB"""
import random
import sys

out, size_mb = sys.argv[1], int(sys.argv[2])
rng = random.Random(42)
NOISE = [
    "usb {a}-{b}: new high-speed USB device number {n} using xhci_hcd",
    "usb {a}-{b}: New USB device found, idVendor=046d, idProduct=c52b, bcdDevice=12.11",
    "e1000e 0000:00:1f.6 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx",
    "ACPI: \\_SB_.PCI0.LPCB.EC0_: Enabled GPE 0x{n:x}",
    "audit: type=1400 audit(1717068741.{n}:2): apparmor=\"STATUS\" operation=\"profile_load\" name=\"snap.x{n}\"",
    "i915 0000:00:02.0: [drm] GuC firmware i915/tgl_guc_70.bin version 70.{n}.0",
    "EXT4-fs (nvme0n1p2): mounted filesystem {n:08x}-aaaa with ordered data mode. Quota mode: none.",
    "input: AT Translated Set 2 keyboard as /devices/platform/i8042/serio0/input/input{n}",
    "wlp0s20f3: authenticate with 11:22:33:44:55:{n:02x}",
    "nvme nvme0: {n}/0/0 default/read/poll queues",
    "Bluetooth: hci0: Firmware revision 0.{n} build 191 week 21 2021",
    "x86/fpu: Supporting XSAVE feature 0x{n:03x}: 'AVX registers'",
    "thermal LNXTHERM:00: registered as thermal_zone{n}",
]
SOUND_DYNDBG = [
    "bus: 'platform': really_probe: probing driver skl_hda_dsp_generic with device skl_hda_dsp_generic",
    "skl_hda_dsp_generic skl_hda_dsp_generic: ASoC: CODEC DAI Analog Codec DAI not registered",
    "skl_hda_dsp_generic skl_hda_dsp_generic: Driver skl_hda_dsp_generic requests probe deferral",
    "platform skl_hda_dsp_generic: Added to deferred list",
    "bus: 'hdaudio': really_probe: probing driver snd_hda_codec_realtek with device ehdaudio0D0",
    "snd_hda_codec_realtek ehdaudio0D0: autoconfig for ALC287: line_outs=2 (0x14/0x17/0x0/0x0/0x0) type:speaker",
    "driver: 'snd_hda_codec_realtek': driver_bound: bound to device 'ehdaudio0D0'",
    "bus: 'hdaudio': really_probe: bound device ehdaudio0D0 to driver snd_hda_codec_realtek",
    "platform skl_hda_dsp_generic: Retrying from deferred list",
    "bus: 'platform': really_probe: probing driver skl_hda_dsp_generic with device skl_hda_dsp_generic",
    "input: sof-hda-dsp Headphone as /devices/pci0000:00/0000:00:1f.3/skl_hda_dsp_generic/sound/card0/input22",
    "driver: 'skl_hda_dsp_generic': driver_bound: bound to device 'skl_hda_dsp_generic'",
]
SOUND_PLAIN = [
    "sof-audio-pci-intel-tgl 0000:00:1f.3: DSP detected with PCI class/subclass/prog-if info 0x040100",
    "sof-audio-pci-intel-tgl 0000:00:1f.3: firmware: direct-loading firmware intel/sof/sof-tgl.ri",
    "skl_hda_dsp_generic skl_hda_dsp_generic: ASoC: CPU DAI iDisp1 Pin not registered",
    "platform skl_hda_dsp_generic: deferred probe pending",
]
target = size_mb * 1000 * 1000
written = 0
boot = 0
with open(out, "w") as f:
    while written < target:
        boot += 1
        fmt = boot % 3  # 0 plain dmesg, 1 syslog, 2 journal short
        dyndbg = boot % 2 == 0
        t = 0.0
        lines = ["Linux version 6.1.0-27-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1"]
        for i in range(4000):
            n = rng.randrange(1, 4000)
            lines.append(NOISE[rng.randrange(len(NOISE))].format(a=n % 4 + 1, b=n % 9 + 1, n=n))
            if i == 2000:
                lines += SOUND_DYNDBG if dyndbg else SOUND_PLAIN
        buf = []
        for m in lines:
            t += rng.random() * 0.004
            stamp = "[%5d.%06d]" % (int(t), int((t - int(t)) * 1e6))
            s = 17 + int(t)
            wall = "13:%02d:%02d" % (32 + s // 60 % 20, s % 60)
            if fmt == 0:
                buf.append("%s %s\n" % (stamp, m))
            elif fmt == 1:
                buf.append("May 30 %s thinkpad kernel: %s %s\n" % (wall, stamp, m))
                if rng.random() < 0.1:
                    buf.append("May 30 %s thinkpad systemd[1]: Started session-%d.scope - Session of user.\n" % (wall, rng.randrange(99)))
            else:
                buf.append("May 30 %s thinkpad kernel: %s\n" % (wall, m))
        chunk = "".join(buf)
        f.write(chunk)
        written += len(chunk)
