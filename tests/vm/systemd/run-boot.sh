#!/bin/bash
# tests/vm/systemd/run-boot.sh -- boot the systemd + udev guest once.
#
#   tests/vm/systemd/run-boot.sh SCENARIO --reprobe BIN --out DIR [--no-capture] [--timeout S]
#
# SCENARIO is tests/vm/systemd/scenarios/SCENARIO.conf (APPEND: kernel command line,
# MODULES_LOAD: /etc/modules-load.d, MODPROBE_D: /etc/modprobe.d, WAIT_FOR, EXPECT,
# BOOT_ARGS_EXTRA: more `reprobe boot enable` options, INITRAMFS_TOOLS, INITRAMFS_MODULES).
# Boots Debian's kernel (tests/vm/prepare.sh) with the Debian 12 root filesystem of
# prepare-image.sh as /dev/vda (virtio, snapshot=on: nothing persists) behind a busybox
# initramfs (guest/init) that copies BIN and the harness into the root and, unless
# --no-capture, runs `reprobe boot enable` there, then starts systemd. systemd-udevd loads
# the sound modules at coldplug; guest/harness.sh collects what happened into DIR (the same
# files as tests/vm/run-scenario.sh: cards.txt, devices_deferred.txt, bound.txt, dmesg.txt,
# status.txt, trace.ndjson, plus journal.txt, unit-times.txt) and ground-truth.json.
# With INITRAMFS_TOOLS=1 in the scenario the guest boots like an installed Debian instead: the
# payload goes into a copy of the image's root directory, `reprobe boot enable --initramfs`
# runs there (--root), Debian's own mkinitramfs (chroot) builds the initramfs with the
# reprobe hook and INITRAMFS_MODULES (MODULES=list: also the root disk's), the disk is made
# from that directory, and initramfs-tools' init mounts it and switch_roots to systemd.
# Needs root. Exit: 0 the guest finished (status in DIR/status.txt), 1 a failure.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${REPROBE_VM_CACHE:-/var/tmp/reprobe-vm}
die() { echo "run-boot.sh: error: $*" >&2; exit 1; }
say() { echo "run-boot.sh: $*" >&2; }
NAME='' REPROBE='' OUT='' CAPTURE=1 TIMEOUT=600 BOOT_ARGS='--output /var/log/reprobe --idle 20 --duration 240 --attach-timeout 150'
while [ $# -gt 0 ]; do
	case "$1" in
	--reprobe) REPROBE=$(realpath "${2:?}"); shift 2 ;;
	--out) OUT=${2:?}; shift 2 ;;
	--no-capture) CAPTURE=0; shift ;;
	--timeout) TIMEOUT=${2:?}; shift 2 ;;
	--boot-args) BOOT_ARGS=${2?}; shift 2 ;;
	-*) die "unknown option $1" ;;
	*) NAME=$1; shift ;;
	esac
done
[ -n "$NAME" ] && [ -n "$REPROBE" ] && [ -n "$OUT" ] || die "usage: run-boot.sh SCENARIO --reprobe BIN --out DIR [--no-capture]"
CONF=$HERE/scenarios/$NAME.conf
[ -f "$CONF" ] || die "no scenario $CONF"
. "$CONF"
BOOT_ARGS="$BOOT_ARGS ${BOOT_ARGS_EXTRA:-}"
IMG=$("$HERE/prepare-image.sh" "$REPROBE" | sed -n 's/^image: //p')
[ -s "$IMG" ] || die "prepare-image.sh gave no image"
KVER=$(basename "$(dirname "$(dirname "$IMG")")")
KDIR=$CACHE/$KVER
ROOT=$KDIR/root
export PATH=$PATH:/sbin:/usr/sbin

mkdir -p "$OUT"
OUT=$(realpath "$OUT")
if [ -n "$(ls -A "$OUT")" ]; then
	[ -e "$OUT/.reprobe-vm-out" ] || die "--out $OUT is not empty and not a previous run's output; refusing to clear it"
	find "$OUT" -mindepth 1 -delete
fi
touch "$OUT/.reprobe-vm-out"
WORK=$(mktemp -d "$KDIR/systemd-run.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
INITRAMFS_TOOLS=${INITRAMFS_TOOLS:-0}

# ---- initramfs: busybox, the root-disk modules, /init, the payload --------------------------
ST=$WORK/initramfs
mkdir -p "$ST"/{bin,sbin,proc,sys,dev,newroot}
cp /bin/busybox "$ST/bin/busybox"
for a in $(/bin/busybox --list); do
	[ "$a" = busybox ] || [ -e "$ST/bin/$a" ] || ln -s busybox "$ST/bin/$a"
done
for m in virtio_pci virtio_blk ext4; do
	modprobe -d "$ROOT" -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
	rel=${ko#"$ROOT"/}
	mkdir -p "$ST/$(dirname "$rel")"
	cp "$ko" "$ST/$rel"
	echo "$rel"
done > "$ST/modules.list"
cp "$HERE/guest/init" "$ST/init"
chmod 755 "$ST/init"
P=$ST/payload
mkdir -p "$P/usr/local/bin" "$P/reprobe" "$P/etc/systemd/system/multi-user.target.wants" \
	"$P/etc/modules-load.d" "$P/etc/modprobe.d"
cp "$REPROBE" "$P/usr/local/bin/reprobe"
cp "$HERE/guest/harness.sh" "$HERE/../guest/lib.sh" "$P/reprobe/"
cp "$HERE/guest/reprobe-vm-harness.service" "$P/etc/systemd/system/"
ln -s ../reprobe-vm-harness.service "$P/etc/systemd/system/multi-user.target.wants/reprobe-vm-harness.service"
[ -z "$MODULES_LOAD" ] || printf '%s\n' $MODULES_LOAD > "$P/etc/modules-load.d/reprobe-scenario.conf"
[ -z "$MODPROBE_D" ] || printf '%s\n' "$MODPROBE_D" > "$P/etc/modprobe.d/reprobe-scenario.conf"
q() { printf "%s='%s'\n" "$1" "$(printf '%s' "$2" | sed "s/'/'\\\\''/g")"; }
{
	q SCENARIO "$NAME"
	q CAPTURE "$CAPTURE"
	q BOOT_ARGS "$BOOT_ARGS"
	q WAIT_FOR "$WAIT_FOR"
	q WAIT_S "${WAIT_S:-90}"
	q SETTLE "${SETTLE:-2}"
} > "$P/reprobe/conf"
INITRD=$WORK/initramfs.cpio
DRIVE="file=$IMG,format=raw,if=virtio,snapshot=on"
CMDLINE=$(echo "console=ttyS0 panic=-1 rdinit=/init quiet $APPEND" | tr -s ' ')
if [ "$INITRAMFS_TOOLS" = 1 ]; then
	# ---- the installed-Debian way: payload in the root, the capture enabled with --initramfs,
	# mkinitramfs from the root itself, a disk made from it --------------------------------------
	RD=$WORK/root
	cp -a "$(dirname "$IMG")/rootfs" "$RD" || die "copying the image's root directory"
	cp -a "$P/." "$RD/" || die "copying the payload"
	if [ "$CAPTURE" = 1 ]; then
		# shellcheck disable=SC2086 # BOOT_ARGS is a list of options
		"$RD/usr/local/bin/reprobe" boot enable --root "$RD" --initramfs $BOOT_ARGS > "$RD/reprobe/boot-enable.txt" 2>&1 ||
			die "reprobe boot enable --initramfs: $(cat "$RD/reprobe/boot-enable.txt")"
	fi
	sed -i 's/^MODULES=.*/MODULES=list/' "$RD/etc/initramfs-tools/initramfs.conf"
	printf '%s\n' virtio_pci virtio_blk ext4 $INITRAMFS_MODULES > "$RD/etc/initramfs-tools/modules"
	chroot "$RD" mkinitramfs -c gzip -o /boot/initrd.img "$KVER" > "$WORK/mkinitramfs.log" 2>&1 ||
		{ cat "$WORK/mkinitramfs.log" >&2; die "mkinitramfs failed"; }
	chroot "$RD" lsinitramfs /boot/initrd.img > "$OUT/initramfs-files.txt" 2>&1 || die "lsinitramfs failed"
	INITRD=$WORK/initrd.img
	mv "$RD/boot/initrd.img" "$INITRD"
	cp "$WORK/mkinitramfs.log" "$OUT/"
	size_mb=$(( $(du -sm "$RD" | cut -f1) * 13 / 10 + 64 ))
	mkfs.ext4 -q -F -L reprobe-root -d "$RD" "$WORK/root.img" "${size_mb}M" || die "mkfs.ext4 -d failed"
	rm -rf "$RD"
	DRIVE="file=$WORK/root.img,format=raw,if=virtio"
	CMDLINE=$(echo "console=ttyS0 panic=-1 root=/dev/vda rw quiet $APPEND" | tr -s ' ')
else
	( cd "$ST" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --owner 0:0 --quiet ) > "$INITRD"
fi

KERNEL=$KDIR/vmlinux
[ -s "$KERNEL" ] || KERNEL=$ROOT/boot/vmlinuz-$KVER
say "scenario $NAME (systemd guest$([ "$INITRAMFS_TOOLS" = 1 ] && echo ", initramfs-tools")), kernel $KVER, capture $CAPTURE"
T0=$(date +%s.%N)
set +e
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 \
	-accel tcg -machine q35 -cpu max -smp "${REPROBE_VM_SMP:-2}" -m "${REPROBE_VM_MEM:-1024}" \
	-nodefaults -display none -no-reboot \
	-kernel "$KERNEL" -initrd "$INITRD" -append "$CMDLINE" \
	-drive "$DRIVE" \
	-audiodev none,id=snd0 -device intel-hda -device hda-duplex,audiodev=snd0 \
	-serial "file:$OUT/console.log" -serial "file:$WORK/xfer.bin" \
	< /dev/null > "$WORK/qemu.out" 2>&1
QRC=$?
set -e
WALL=$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
[ $QRC -ne 124 ] && [ $QRC -ne 137 ] || { tail -n 30 "$OUT/console.log" >&2; die "qemu timed out after ${TIMEOUT}s"; }
[ $QRC -eq 0 ] || { cat "$WORK/qemu.out" >&2; die "qemu failed (exit $QRC)"; }
grep -q '^REPROBE-DONE' "$OUT/console.log" || { tail -n 30 "$OUT/console.log" >&2; die "guest did not finish ($OUT/console.log)"; }
xfer=$(tr -d '\r' < "$OUT/console.log" | sed -n 's/^REPROBE-XFER size=\([0-9]*\) sha256=\([0-9a-f]*\)$/\1 \2/p' | tail -n1)
[ -n "$xfer" ] || die "no REPROBE-XFER line on the console"
size=${xfer% *} sum=${xfer#* }
[ "$(head -c "$size" "$WORK/xfer.bin" | sha256sum | cut -d' ' -f1)" = "$sum" ] || die "transfer corrupted"
head -c "$size" "$WORK/xfer.bin" | tar -x -C "$OUT" -f - || die "cannot unpack the transfer"

# ---- ground-truth.json (the fields check-ground-truth.sh and check-replay.sh read) -----------
lines() { [ -s "$1" ] && jq -R . "$1" | jq -s . || echo '[]'; }
jq -n --arg scenario "systemd-$NAME" --arg kernel "$(cat "$OUT/kernel.txt")" --arg cmdline "$(cat "$OUT/cmdline.txt")" \
	--arg status "$(cat "$OUT/status.txt")" --argjson wall "$WALL" --argjson capture "$CAPTURE" \
	--argjson cards "$(sed -n 's/^ *[0-9][0-9]* \[\([^] ]*\) *\].*/\1/p' "$OUT/cards.txt" | jq -R . | jq -s .)" \
	--argjson deferred "$(awk -F'\t' '$1 != ""' "$OUT/devices_deferred.txt" | jq -R 'split("\t") | {dev: .[0], reason: (.[1] // "")}' | jq -s .)" \
	--argjson bound "$(jq -R 'split(" ") | {bus: .[0], dev: .[1], driver: (if .[2] == "-" then null else .[2] end)}' "$OUT/bound.txt" | jq -s .)" \
	--argjson components "$(lines "$OUT/asoc-components.txt")" \
	'{scenario: $scenario, guest: "systemd", kernel: $kernel, cmdline: $cmdline, status: $status, cards: $cards,
	  deferred: $deferred, bound: $bound, components: $components, boot_capture: ($capture == 1),
	  timing: {host_wall_s: $wall}}' > "$OUT/ground-truth.json"
say "done in ${WALL}s: cards [$(tr '\n' ' ' < "$OUT/cards.txt" | cut -c1-60)], deferred [$(cut -f1 "$OUT/devices_deferred.txt" | tr '\n' ' ')], status $(cat "$OUT/status.txt")"
[ "$(cat "$OUT/status.txt")" = ok ] || { tail -n 20 "$OUT/tracer.log" >&2 2>/dev/null; die "guest reported: $(cat "$OUT/status.txt")"; }
