#!/bin/bash
# tests/vm/systemd/check-initramfs.sh DIR -- what a boot of an INITRAMFS_TOOLS scenario must show
# (run-suite.sh, after the ground truth and the replay): Debian's mkinitramfs put the reprobe
# binary, its init-top script, the capture's options and the sound modules into the initramfs;
# the capture started there followed init into the real root (its log says so); and the trace
# holds both sides of the switch: snd_hda_intel's module load before the kernel mounted the root
# disk (EXT4-fs (vda): mounted, dmesg) and the DSP's component registration after it, which only
# hooks attached in the real root (snd-soc-core was not preloaded) can record.
# Exit: 0 all true, 1 one is not (each failure is named).
set -uo pipefail
dir=${1:?usage: check-initramfs.sh DIR}
fail=0
no() { echo "check-initramfs: FAIL: $*"; fail=1; }
for f in usr/sbin/reprobe scripts/init-top/reprobe etc/reprobe-boot.conf snd-hda-intel.ko; do
  # merged /usr: /sbin is a link to usr/sbin in the initramfs too
  grep -q -- "${f#usr/}\$\|$f\$\|${f%.ko}.ko" "$dir/initramfs-files.txt" || no "the initramfs has no $f (initramfs-files.txt)"
done
grep -q "init switched to the real root; recording on there" "$dir/initramfs.log" 2>/dev/null ||
  no "the initramfs capture's log (initramfs.log) does not say it followed init into the real root"
sed -n '/init switched root: recording on in the real root/,$p' "$dir/initramfs.log" 2>/dev/null |
  grep -q "attached sound hooks in module snd_soc_core" ||
  no "the recorder did not attach snd_soc_core's hooks after following init into the real root (initramfs.log)"
python3 - "$dir" <<'PY' || fail=1
import json, re, sys
d = sys.argv[1]
mount = None
for line in open(f"{d}/dmesg.txt", errors="replace"):
    m = re.match(r"\[\s*(\d+\.\d+)\] EXT4-fs \(vda\): mounted filesystem", line)
    if m:
        mount = float(m.group(1)) * 1e9
        break
if mount is None:
    sys.exit("check-initramfs: FAIL: dmesg.txt has no 'EXT4-fs (vda): mounted filesystem' line")
ev = [json.loads(l) for l in open(f"{d}/trace.ndjson") if l.strip()][1:]
hda = [e["t"] for e in ev if e.get("ev") == "module_load" and e.get("module") == "snd_hda_intel"]
dsp = [e["t"] for e in ev if e.get("ev") == "component_add" and e.get("name") == "reprobe-dsp"]
bad = []
if not hda or min(hda) >= mount:
    bad.append(f"no snd_hda_intel module_load before the root was mounted at {mount / 1e9:.3f} s (have {hda})")
if not dsp or min(dsp) <= mount:
    bad.append(f"no reprobe-dsp component_add after the root was mounted at {mount / 1e9:.3f} s (have {dsp})")
for b in bad:
    print("check-initramfs: FAIL:", b)
if bad:
    sys.exit(1)
print(f"check-initramfs: snd_hda_intel loaded at {min(hda) / 1e9:.3f} s in the initramfs, root mounted at "
      f"{mount / 1e9:.3f} s, reprobe-dsp registered at {min(dsp) / 1e9:.3f} s in the real root")
PY
exit $fail
