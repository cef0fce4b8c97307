#!/bin/bash
# tests/vm/prepare.sh -- get everything the reprobe VM harness needs (idempotent).
#
#   tests/vm/prepare.sh            # prints "kernel: <version>" and the cache dir on success
#   tests/vm/prepare.sh --kernel 6.12                    # the newest 6.12 kernel of the archive
#   REPROBE_VM_SERIES=6.12 tests/vm/prepare.sh           # the same (the run scripts pass it on)
#   REPROBE_VM_KVER=6.1.0-56-amd64 tests/vm/prepare.sh   # pin a kernel instead of the current one
#
# * installs the host tools if missing (root + apt-get; in CI, CI=true, root, fresh Debian 12):
#   qemu-system-x86, busybox-static, kmod, cpio, xz-utils, make, and the matching
#   linux-headers-<ver> (which pulls the gcc the kernel was built with);
# * resolves the newest Debian kernel of the series (REPROBE_VM_SERIES or --kernel, default
#   6.1): apt-cache depends on the series' meta package linux-image-<series>-amd64 (e.g.
#   linux-image-6.12-amd64 from bookworm-security) or, when the archive has none (6.1, the
#   release's own series), linux-image-amd64 -> linux-image-<ver>, whose <ver> must start
#   with "<series>."; never hard-coded (old ABIs leave the mirror);
# * apt-get downloads the image .deb, dpkg-deb -x's it into
#   $CACHE/<ver>/root and runs depmod -b on it (the .deb ships no modules.dep);
# * extracts the uncompressed vmlinux from vmlinuz (qemu boots it via PVH: ~3 s faster);
# * builds tests/vm/modules against /usr/src/linux-headers-<ver> in $CACHE/<ver>/modules-build
#   (never in the source tree) and copies the .ko files to $CACHE/<ver>/extra.
#
# Cache: ${REPROBE_VM_CACHE:-/var/tmp/reprobe-vm}.  Fails loudly (message on stderr,
# exit 1) when anything is missing; never passes silently.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${REPROBE_VM_CACHE:-/var/tmp/reprobe-vm}
QUIET=0
SERIES=${REPROBE_VM_SERIES:-6.1}
while [ $# -gt 0 ]; do
	case "$1" in
	-q) QUIET=1; shift ;;
	--kernel) SERIES=${2:?--kernel needs a series, e.g. 6.12}; shift 2 ;;
	*) echo "prepare.sh: error: unknown argument $1 (usage: prepare.sh [-q] [--kernel SERIES])" >&2; exit 2 ;;
	esac
done

die() { echo "prepare.sh: error: $*" >&2; exit 1; }
say() { [ "$QUIET" = 1 ] || echo "prepare.sh: $*" >&2; }
case "$SERIES" in [0-9]*.[0-9]*) ;; *) die "bad kernel series '$SERIES' (want MAJOR.MINOR, e.g. 6.1 or 6.12)" ;; esac
case "$SERIES" in *[!0-9.]*) die "bad kernel series '$SERIES' (want MAJOR.MINOR, e.g. 6.1 or 6.12)" ;; esac

[ "$(uname -m)" = x86_64 ] || die "x86_64 host required (guest kernel is Debian amd64)"
command -v apt-get >/dev/null || die "apt-get not found: the harness needs a Debian (12) host"

mkdir -p "$CACHE" || die "cannot create cache dir $CACHE"
exec 9>"$CACHE/.prepare.lock"
flock 9 || die "cannot lock $CACHE/.prepare.lock"

APT_UPDATED=0
apt_update_once() {
	if [ "$APT_UPDATED" = 0 ]; then
		say "apt-get update"
		apt-get update -qq >&2 || die "apt-get update failed"
		APT_UPDATED=1
	fi
}

# INITRD=No: 6.12's linux-headers-<ver> depends on linux-image-<ver>, so apt installs the
# guest kernel on the host too; its postinst hook (/etc/kernel/postinst.d/initramfs-tools)
# would build a host initramfs nobody boots (minutes on a busy machine).  The hook skips
# when INITRD=No.
apt_install() { # PACKAGE...
	[ "$(id -u)" = 0 ] || die "missing packages: $* (run as root so apt-get can install them, or install them yourself)"
	say "apt-get install $*"
	if ! INITRD=No DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2; then
		apt_update_once
		INITRD=No DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 ||
			die "apt-get install $* failed"
	fi
}

# ---- host tools -------------------------------------------------------------
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx modprobe &&
	! ldd /bin/busybox >/dev/null 2>&1 || need+=(busybox-static)
command -v depmod >/dev/null || [ -x /sbin/depmod ] || need+=(kmod)
command -v cpio >/dev/null || need+=(cpio)
command -v xz >/dev/null || need+=(xz-utils)
command -v make >/dev/null || need+=(make)
command -v flock >/dev/null || need+=(util-linux)
[ ${#need[@]} -eq 0 ] || apt_install "${need[@]}"
export PATH=$PATH:/sbin:/usr/sbin
command -v depmod >/dev/null || die "depmod not found after installing kmod"

# ---- resolve the kernel -------------------------------------------------------
# The series' own meta package (linux-image-6.12-amd64) if the archive has one, else the
# release's default (linux-image-amd64); either way the ABI it depends on must belong to
# the series ("6.1." never matches "6.12.").
meta_depends() { # PACKAGE
	apt-cache depends "$1" 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*-amd64\)$/\1/p' | head -n1
}
resolve_kver() {
	local v
	for meta in "linux-image-$SERIES-amd64" linux-image-amd64; do
		v=$(meta_depends "$meta")
		case "$v" in "$SERIES".*) echo "$v"; return 0 ;; esac
	done
}
KVER=${REPROBE_VM_KVER:-}
if [ -z "$KVER" ]; then
	KVER=$(resolve_kver)
	if [ -z "$KVER" ]; then
		apt_update_once
		KVER=$(resolve_kver)
	fi
	[ -n "$KVER" ] || die "cannot resolve a $SERIES kernel: neither 'apt-cache depends linux-image-$SERIES-amd64' nor 'apt-cache depends linux-image-amd64' names a linux-image-$SERIES.*-amd64 (apt sources? bookworm-security?)"
fi
case "$KVER" in *[!A-Za-z0-9._+-]*|"") die "bad kernel version '$KVER'" ;; esac
[ -n "${REPROBE_VM_KVER:-}" ] || case "$KVER" in "$SERIES".*) ;; *) die "resolved kernel $KVER is not of series $SERIES" ;; esac
KDIR=$CACHE/$KVER
ROOT=$KDIR/root
mkdir -p "$KDIR"

# ---- kernel image + modules ---------------------------------------------------------
if [ ! -s "$ROOT/boot/vmlinuz-$KVER" ] || [ ! -d "$ROOT/lib/modules/$KVER/kernel" ]; then
	say "downloading linux-image-$KVER"
	mkdir -p "$CACHE/debs"
	chmod 0777 "$CACHE/debs" 2>/dev/null || true   # apt's _apt sandbox user
	deb=$(ls "$CACHE/debs/linux-image-${KVER}_"*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$deb" ]; then
		( cd "$CACHE/debs" && apt-get download "linux-image-$KVER" >&2 ) || {
			apt_update_once
			( cd "$CACHE/debs" && apt-get download "linux-image-$KVER" >&2 ) ||
				die "apt-get download linux-image-$KVER failed"
		}
		deb=$(ls "$CACHE/debs/linux-image-${KVER}_"*.deb 2>/dev/null | head -n1 || true)
	fi
	[ -n "$deb" ] || die "no linux-image-$KVER .deb in $CACHE/debs after download"
	rm -rf "$ROOT.tmp"
	mkdir -p "$ROOT.tmp"
	dpkg-deb -x "$deb" "$ROOT.tmp" || die "dpkg-deb -x $deb failed"
	[ -s "$ROOT.tmp/boot/vmlinuz-$KVER" ] || die "$deb has no boot/vmlinuz-$KVER"
	# merged-/usr images put the modules under usr/lib
	if [ ! -d "$ROOT.tmp/lib/modules/$KVER" ] && [ -d "$ROOT.tmp/usr/lib/modules/$KVER" ]; then
		mkdir -p "$ROOT.tmp/lib/modules"
		mv "$ROOT.tmp/usr/lib/modules/$KVER" "$ROOT.tmp/lib/modules/"
	fi
	[ -d "$ROOT.tmp/lib/modules/$KVER/kernel" ] || die "$deb has no lib/modules/$KVER/kernel"
	rm -rf "$ROOT"
	mv "$ROOT.tmp" "$ROOT"
	rm -f "$KDIR/vmlinux" "$KDIR/.depmod-done"
fi
if [ ! -e "$KDIR/.depmod-done" ]; then
	say "depmod -b $ROOT $KVER"
	depmod -b "$ROOT" "$KVER" || die "depmod -b $ROOT $KVER failed"
	touch "$KDIR/.depmod-done"
fi
for m in snd-soc-core snd-soc-dmic snd-hda-intel snd-hda-codec-generic; do
	modprobe -d "$ROOT" -S "$KVER" --show-depends "$m" >/dev/null 2>&1 ||
		die "module $m not found in linux-image-$KVER"
done

# ---- uncompressed vmlinux (PVH boot; optional) ------------------------------------
# same idea as the kernel's scripts/extract-vmlinux: find the compressed payload
# by its magic, decompress, keep the first result that is an ELF file.
extract_vmlinux() { # IMG OUT
	local img=$1 out=$2 magic cmd off
	for spec in 'fd377a585a00:xz -dc' '1f8b0800:gzip -dc' '28b52ffd:zstd -dc' '5d000000:xz -dc --format=lzma'; do
		magic=${spec%%:*}
		cmd=${spec#*:}
		command -v "${cmd%% *}" >/dev/null || continue
		for off in $(LC_ALL=C grep -obUaP "$(echo "$magic" | sed 's/../\\x&/g')" "$img" 2>/dev/null | cut -d: -f1); do
			tail -c +$((off + 1)) "$img" | $cmd > "$out.tmp" 2>/dev/null || true
			if [ "$(head -c 4 "$out.tmp" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; then
				mv "$out.tmp" "$out"
				return 0
			fi
		done
	done
	rm -f "$out.tmp"
	return 1
}
if [ ! -s "$KDIR/vmlinux" ] && [ ! -e "$KDIR/.no-vmlinux" ]; then
	say "extracting vmlinux"
	extract_vmlinux "$ROOT/boot/vmlinuz-$KVER" "$KDIR/vmlinux" || {
		echo "prepare.sh: warning: could not extract vmlinux from vmlinuz-$KVER; booting the bzImage (slower)" >&2
		touch "$KDIR/.no-vmlinux"
	}
fi

# ---- headers + test modules ------------------------------------------------------
HDR=/usr/src/linux-headers-$KVER
if [ ! -e "$HDR/Makefile" ]; then
	apt_install "linux-headers-$KVER"
fi
[ -e "$HDR/Makefile" ] || die "$HDR/Makefile missing after installing linux-headers-$KVER"

BUILD=$KDIR/modules-build
mkdir -p "$BUILD" "$KDIR/extra"
for f in "$HERE"/modules/*.c "$HERE"/modules/Makefile; do
	b=$(basename "$f")
	cmp -s "$f" "$BUILD/$b" || cp "$f" "$BUILD/$b"
done
say "building test modules against $HDR"
if ! make -s -C "$HDR" M="$BUILD" modules > "$BUILD/build.log" 2>&1; then
	cat "$BUILD/build.log" >&2
	die "building tests/vm/modules against $HDR failed (log above)"
fi
if grep -E 'warning:|error:' "$BUILD/build.log" >&2; then
	die "tests/vm/modules build has warnings (above); fix them"
fi
for ko in "$BUILD"/*.ko; do
	cmp -s "$ko" "$KDIR/extra/$(basename "$ko")" || cp "$ko" "$KDIR/extra/"
done
for m in reprobe_dsp reprobe_machine reprobe_kick; do
	[ -s "$KDIR/extra/$m.ko" ] || die "$m.ko was not built"
	modinfo -F vermagic "$KDIR/extra/$m.ko" | grep -q "^$KVER " ||
		die "$m.ko vermagic does not match $KVER"
done

# drop older ABIs of the same series (the mirror moved on; ~500 MB each) unless
# REPROBE_VM_KEEP_OLD=1; other series (6.1 beside 6.12) stay.  A pinned REPROBE_VM_KVER
# deletes nothing.
if [ "${REPROBE_VM_KEEP_OLD:-0}" != 1 ] && [ -z "${REPROBE_VM_KVER:-}" ]; then
	for d in "$CACHE/$SERIES".*-amd64; do
		[ "$d" != "$KDIR" ] && [ -d "$d/root/boot" ] || continue
		say "removing old $SERIES kernel cache $d"
		rm -rf "$d"
	done
	for f in "$CACHE/debs/linux-image-$SERIES".*.deb; do
		[ -e "$f" ] || continue
		case "$(basename "$f")" in "linux-image-${KVER}_"*) ;; *) rm -f "$f" ;; esac
	done
fi

echo "$KVER" > "$CACHE/current-$SERIES"
[ "$SERIES" != 6.1 ] || echo "$KVER" > "$CACHE/current"
say "cache $KDIR"
echo "kernel: $KVER"
