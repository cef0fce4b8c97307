#!/bin/bash
# tests/vm/systemd/prepare-image.sh -- the systemd + udev guest's root filesystem (idempotent).
#
#   tests/vm/systemd/prepare-image.sh REPROBE      # prints "image: PATH" on success
#
# Runs tests/vm/prepare.sh (kernel, headers, test modules), then builds, once per
# kernel + package set + test-module build, a Debian 12 root filesystem with
# mmdebstrap (minbase + systemd, systemd-sysv, udev, kmod and the shared libraries
# REPROBE links against, found with ldd + dpkg -S), the guest kernel's sound,
# virtio and ext4 modules plus tests/vm/modules (depmod'ed), and writes it as an
# ext4 disk image with mkfs.ext4 -d.  The image is cached next to the kernel:
# $CACHE/<kver>/systemd/root.img, with the key it was built from in .../key; a
# different key rebuilds it.  The root also has initramfs-tools, binutils (the reprobe
# hook strips the binary it copies) and the kernel's config in /boot (mkinitramfs reads
# it), and its directory is kept as
# $CACHE/<kver>/systemd/rootfs for the scenarios that build their own initramfs
# with it (run-boot.sh, INITRAMFS_TOOLS).  Fails loudly (exit 1) when anything is missing.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${REPROBE_VM_CACHE:-/var/tmp/reprobe-vm}
die() { echo "prepare-image.sh: error: $*" >&2; exit 1; }
say() { echo "prepare-image.sh: $*" >&2; }
REPROBE=${1:-}
[ -n "$REPROBE" ] && [ -x "$REPROBE" ] || die "usage: prepare-image.sh REPROBE (the reprobe binary the guest will run)"
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap, apt-get)"

KVER=$("$HERE/../prepare.sh" -q | sed -n 's/^kernel: //p')
[ -n "$KVER" ] || die "tests/vm/prepare.sh did not name a kernel"
KDIR=$CACHE/$KVER
ROOT=$KDIR/root
export PATH=$PATH:/sbin:/usr/sbin

need=()
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
if [ ${#need[@]} -gt 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2 ||
		die "apt-get install ${need[*]} failed"
fi

# the runtime packages of the binary under test (so the guest needs nothing copied but it)
lib_package() { # LIB -> its Debian package (merged /usr: dpkg may know /lib/... or /usr/lib/...)
	local l=$1 r p
	r=$(readlink -f "$l")
	for p in "$l" "$r" "${l#/usr}" "${r#/usr}" "/usr$l" "/usr$r"; do
		dpkg -S "$p" 2>/dev/null | head -n1 | cut -d: -f1 | grep . && return 0
	done
	echo "prepare-image.sh: error: no Debian package ships $l (needed by $REPROBE)" >&2
	return 1
}
pkgs=$(ldd "$REPROBE" | awk '/=> \// { print $3 }' | while read -r l; do lib_package "$l" || exit 1; done |
	sort -u | grep -vx 'libc6' | tr '\n' ',' | sed 's/,$//')
[ -n "$pkgs" ] || die "cannot tell which packages $REPROBE needs (ldd + dpkg -S found none)"

# modules: sound (as the busybox guest), the root disk (virtio_pci, virtio_blk, ext4)
mods=()
for m in snd-soc-core snd-soc-dmic snd-hda-intel virtio_pci virtio_blk ext4 \
	$(cd "$ROOT/lib/modules/$KVER" && find kernel/sound/pci/hda -name 'snd-hda-codec-*.ko*' -printf '%f\n' |
		sed 's/\.ko.*//'); do
	mods+=($(modprobe -d "$ROOT" -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'))
done
mapfile -t mods < <(printf '%s\n' "${mods[@]}" | sort -u)
key=$( { cat "$0"; echo "$KVER"; echo "$pkgs"; printf '%s\n' "${mods[@]}"; sha256sum "$KDIR"/extra/*.ko | cut -d' ' -f1; } |
	sha256sum | cut -d' ' -f1)
IMGDIR=$KDIR/systemd
if [ -s "$IMGDIR/root.img" ] && [ -d "$IMGDIR/rootfs/usr" ] && [ "$(cat "$IMGDIR/key" 2>/dev/null)" = "$key" ]; then
	echo "image: $IMGDIR/root.img"
	exit 0
fi
exec 9>"$CACHE/.systemd-image.lock"
flock 9 || die "cannot lock $CACHE/.systemd-image.lock"
mkdir -p "$IMGDIR"
T0=$SECONDS
DIR=$IMGDIR/rootfs.tmp
rm -rf "$DIR" "$IMGDIR/root.img.tmp"
sources=/etc/apt/sources.list.d/debian.sources
[ -s "$sources" ] || sources=http://deb.debian.org/debian
say "mmdebstrap bookworm (systemd, udev, kmod, initramfs-tools, binutils, $pkgs)"
mmdebstrap --quiet --variant=minbase --include="systemd,systemd-sysv,udev,kmod,initramfs-tools,binutils,$pkgs" \
	bookworm "$DIR" "$sources" >&2 || die "mmdebstrap failed"

MD=$DIR/usr/lib/modules/$KVER
mkdir -p "$MD/extra"
for ko in "${mods[@]}"; do
	rel=${ko#"$ROOT/lib/modules/$KVER/"}
	mkdir -p "$MD/$(dirname "$rel")"
	cp "$ko" "$MD/$rel"
done
cp "$KDIR"/extra/*.ko "$MD/extra/"
cp "$ROOT/lib/modules/$KVER"/modules.{order,builtin,builtin.modinfo} "$MD/" 2>/dev/null || true
depmod -b "$DIR" "$KVER" || die "depmod -b $DIR $KVER failed"
cp "$ROOT/boot/config-$KVER" "$DIR/boot/" || die "no kernel config $ROOT/boot/config-$KVER"
mkdir -p "$DIR/lib/firmware/reprobe"
head -c 4096 /dev/zero > "$DIR/lib/firmware/reprobe/dsp.bin"

# a quiet, fast boot: no gettys, the root is mounted by the initramfs
echo reprobe-vm > "$DIR/etc/hostname"
: > "$DIR/etc/fstab"
for u in getty@tty1.service serial-getty@ttyS0.service systemd-timesyncd.service \
	systemd-networkd.service apt-daily.timer apt-daily-upgrade.timer; do
	ln -sf /dev/null "$DIR/etc/systemd/system/$u"
done
rm -rf "$DIR"/var/cache/apt/* "$DIR"/var/lib/apt/lists/* "$DIR"/usr/share/doc/* "$DIR"/usr/share/man/*

size_mb=$(( $(du -sm "$DIR" | cut -f1) * 13 / 10 + 64 ))
mkfs.ext4 -q -F -L reprobe-root -d "$DIR" "$IMGDIR/root.img.tmp" "${size_mb}M" || die "mkfs.ext4 -d failed"
mv "$IMGDIR/root.img.tmp" "$IMGDIR/root.img"
rm -rf "$IMGDIR/rootfs"
mv "$DIR" "$IMGDIR/rootfs"
echo "$key" > "$IMGDIR/key"
say "built $IMGDIR/root.img (${size_mb} MB, $((SECONDS - T0)) s)"
echo "image: $IMGDIR/root.img"
