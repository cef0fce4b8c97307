#!/bin/bash
# tests/vm/run-scenario.sh -- boot the current Debian kernel in qemu (TCG) and run one
# guest-side scenario against the real driver core / ASoC / snd-hda-intel.
#
#   tests/vm/run-scenario.sh NAME [--tracer PATH] [--out DIR] [--append "KERNEL ARGS"]
#                            [--record-args "ARGS"] [--with PATH]... [--timeout S]
#                            [--dyndbg QUERY] [--smp N] [--mem MB] [--keep-initramfs]
#                            [--kernel SERIES]
#
#   NAME            tests/vm/scenarios/NAME.sh (guest shell; header directives, see
#                   tests/vm/README.md)
#   --tracer PATH   copy PATH (+ its shared libraries, ELF interpreter, /usr/share/alsa)
#                   into the guest and run "PATH record -o /tmp/trace.ndjson $REPROBE_RECORD_ARGS"
#                   around the scenario; the trace comes back as DIR/trace.ndjson
#   --record-args   extra args for the tracer (default: $REPROBE_RECORD_ARGS plus the
#                   scenario's #@record-args lines)
#   --with PATH     also copy this executable (+ libraries) into the guest, at the same
#                   path (e.g. the bpftrace a stand-in tracer script calls)
#   --out DIR       output dir (default $CACHE/out/NAME); emptied first if it holds a
#                   previous run (marker file .reprobe-vm-out), refused if it holds other files
#   --append ARGS   extra kernel command line (after the scenario's #@append lines)
#   --dyndbg QUERY  dynamic debug query /init writes after boot, instead of the scenario's
#                   #@dyndbg (default "file drivers/base/dd.c +p"); "" = none
#   --timeout S     hard limit for qemu (default 240, 480 with --tracer)
#   --kernel SERIES the Debian kernel series to boot (default $REPROBE_VM_SERIES, else 6.1;
#                   e.g. 6.12): prepare.sh resolves its newest ABI from the archive
#
# Writes into DIR: console.log (whole ttyS0 output), dmesg.txt, kmsg.log (the /dev/kmsg
# records of the whole run), cards.txt,
# devices_deferred.txt, ground-truth.json, bound.txt, features.txt, scenario.log,
# scenario.out, init.log, and with --tracer: trace.ndjson, tracer.log.
# Environment: REPROBE_VM_CACHE (cache dir, default /var/tmp/reprobe-vm), REPROBE_VM_SMP (1),
# REPROBE_VM_MEM (1024), REPROBE_RECORD_ARGS, REPROBE_VM_TRACER_WAIT (180 s until the trace
# has a complete line), REPROBE_VM_TRACER_STOP_WAIT (60 s after SIGINT),
# REPROBE_VM_CONSOLE_LOGLEVEL (4), REPROBE_VM_BZIMAGE=1 (boot vmlinuz instead of vmlinux),
# REPROBE_VM_APPEND (kernel args after --append, e.g. "reprobe.delay_ms=2000" so the
# late-component races keep their order on a heavily loaded host; run-suite.sh passes it on),
# REPROBE_VM_SERIES (kernel series, as --kernel), REPROBE_VM_QEMU_ARGS (extra qemu arguments,
# split at spaces, e.g. "-icount shift=3,sleep=off": guest time from the instruction count).
# Exit status: 0 = the run completed and the ground truth was collected (whatever the
# outcome; assert it with check-ground-truth.sh), 1 = boot failure / timeout / transfer
# failure / scenario or tracer error (message on stderr), 2 = usage.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${REPROBE_VM_CACHE:-/var/tmp/reprobe-vm}

usage() { sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//;/^set -e/d' >&2; exit 2; }
die() { echo "run-scenario.sh: error: $*" >&2; exit 1; }
say() { echo "run-scenario.sh: $*" >&2; }

NAME='' TRACER='' OUT='' APPEND_ARGS='' TIMEOUT='' SMP=${REPROBE_VM_SMP:-1} MEM=${REPROBE_VM_MEM:-1024}
RECORD_ARGS=${REPROBE_RECORD_ARGS:-}
RECORD_ARGS_SET=0
DYNDBG_OPT='' DYNDBG_SET=0
KEEP_INITRAMFS=0
KSERIES=${REPROBE_VM_SERIES:-}
WITH=()
while [ $# -gt 0 ]; do
	case "$1" in
	--tracer) TRACER=${2:?--tracer needs a path}; shift 2 ;;
	--out) OUT=${2:?--out needs a dir}; shift 2 ;;
	--append) APPEND_ARGS=${2?--append needs an argument}; shift 2 ;;
	--record-args) RECORD_ARGS=${2?}; RECORD_ARGS_SET=1; shift 2 ;;
	--dyndbg) DYNDBG_OPT=${2?--dyndbg needs a query or ""}; DYNDBG_SET=1; shift 2 ;;
	--with) WITH+=("${2:?--with needs a path}"); shift 2 ;;
	--timeout) TIMEOUT=${2:?}; shift 2 ;;
	--smp) SMP=${2:?}; shift 2 ;;
	--mem) MEM=${2:?}; shift 2 ;;
	--keep-initramfs) KEEP_INITRAMFS=1; shift ;;
	--kernel) KSERIES=${2:?--kernel needs a series, e.g. 6.12}; shift 2 ;;
	-h|--help) usage ;;
	-*) echo "run-scenario.sh: unknown option $1" >&2; usage ;;
	*) [ -z "$NAME" ] || { echo "run-scenario.sh: one scenario per run" >&2; usage; }; NAME=$1; shift ;;
	esac
done
[ -n "$NAME" ] || usage
NAME=$(basename "$NAME" .sh)
SCEN=$HERE/scenarios/$NAME.sh
[ -f "$SCEN" ] || die "no scenario $SCEN (have: $(cd "$HERE/scenarios" && ls *.sh | sed 's/\.sh$//' | tr '\n' ' '))"

if [ -n "$TRACER" ]; then
	[ -f "$TRACER" ] && [ -x "$TRACER" ] || die "--tracer $TRACER is not an executable file"
	TRACER=$(realpath "$TRACER")
fi
for w in ${WITH[@]+"${WITH[@]}"}; do [ -x "$w" ] || die "--with $w is not executable"; done

# ---- prepared kernel --------------------------------------------------------------
KVER=$("$HERE/prepare.sh" -q ${KSERIES:+--kernel "$KSERIES"} | sed -n 's/^kernel: //p')
[ -n "$KVER" ] || die "prepare.sh did not report a kernel"
KDIR=$CACHE/$KVER
ROOT=$KDIR/root
export PATH=$PATH:/sbin:/usr/sbin

# ---- scenario header directives (#@name value) -------------------------------------
directive() { sed -n "s/^#@$1\\([[:space:]]\\{1,\\}\\(.*\\)\\)\\{0,1\\}\$/\\2/p" "$SCEN"; }
has_directive() { grep -q "^#@$1\\([[:space:]]\\|\$\\)" "$SCEN"; }
SC_APPEND=$(directive append | tr '\n' ' ')
SC_PRELOAD=$(directive preload | tr '\n' ' ')
SC_MODULES=$(directive modules | tr '\n' ' ')
SC_SETTLE=$(directive settle | tail -n1); SC_SETTLE=${SC_SETTLE:-2}
SC_DPT=$(directive dpt | tail -n1); SC_DPT=${SC_DPT:-wait}
SC_TIMEOUT=$(directive timeout | tail -n1)
SC_DYNDBG=$(directive dyndbg | tail -n1)
has_directive dyndbg || SC_DYNDBG='file drivers/base/dd.c +p'
[ "$DYNDBG_SET" = 0 ] || SC_DYNDBG=$DYNDBG_OPT
# #@record-args: tracer options the scenario needs (e.g. --replug MOD); --record-args wins
if [ "$RECORD_ARGS_SET" = 0 ] && has_directive record-args; then
	RECORD_ARGS="$RECORD_ARGS $(directive record-args | tr '\n' ' ')"
fi
case "$SC_DPT" in wait|keepalive|none) ;; *) die "$SCEN: #@dpt must be wait|keepalive|none" ;; esac
if [ -z "$TIMEOUT" ]; then
	TIMEOUT=${SC_TIMEOUT:-240}
	[ -z "$TRACER" ] || TIMEOUT=$((TIMEOUT + 240))
fi

# ---- output dir ------------------------------------------------------------------------
case "${KSERIES:-6.1}" in 6.1) OUT=${OUT:-$CACHE/out/$NAME} ;; *) OUT=${OUT:-$CACHE/out-$KSERIES/$NAME} ;; esac
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
if [ -n "$(ls -A "$OUT")" ]; then
	[ -e "$OUT/.reprobe-vm-out" ] || die "--out $OUT is not empty and not a previous run's output; refusing to clear it"
	find "$OUT" -mindepth 1 -delete
fi
touch "$OUT/.reprobe-vm-out"

# ---- initramfs ---------------------------------------------------------------------------
WORK=$(mktemp -d "$KDIR/initramfs.XXXXXX")
cleanup() { [ "$KEEP_INITRAMFS" = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT
ST=$WORK/root
mkdir -p "$ST"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,out,reprobe,lib/firmware/reprobe,lib/modules/$KVER}

cp /bin/busybox "$ST/bin/busybox"
for a in $(/bin/busybox --list); do
	[ -e "$ST/bin/$a" ] || ln -s busybox "$ST/bin/$a"
done
# the kernel's request_module() runs /sbin/modprobe (busybox reads modules.dep/.alias)
for a in modprobe insmod rmmod lsmod depmod reboot poweroff halt; do ln -sf ../bin/busybox "$ST/sbin/$a"; done
ln -s busybox "$ST/bin/sh" 2>/dev/null || true

# modules: the sound stack + all HDA codec drivers (request_module targets) + scenario extras
mods="snd-soc-core snd-soc-dmic snd-hda-intel snd-hda-codec-generic snd-hda-codec-hdmi $SC_MODULES"
for ko in "$ROOT/lib/modules/$KVER/kernel/sound/pci/hda/"snd-hda-codec-*.ko*; do
	[ -e "$ko" ] || continue
	ko=$(basename "$ko")
	mods="$mods ${ko%%.ko*}"
done
for m in $mods; do
	deps=$(modprobe -d "$ROOT" -S "$KVER" --show-depends "$m" 2>&1) || die "module $m: $deps"
	echo "$deps" | sed -n 's/^insmod \([^ ]*\).*/\1/p'
done | sort -u | while read -r ko; do
	rel=${ko#"$ROOT"/}
	mkdir -p "$ST/$(dirname "$rel")"
	# 6.12 ships .ko.xz: stored uncompressed in the (uncompressed) initramfs, so neither
	# busybox modprobe nor the kernel has to inflate them under TCG
	case "$rel" in
	*.ko.xz) xz -dc "$ko" > "$ST/${rel%.xz}" || die "xz -d $ko failed" ;;
	*.ko.zst) zstd -qdc "$ko" > "$ST/${rel%.zst}" || die "zstd -d $ko failed" ;;
	*.ko.gz) gzip -dc "$ko" > "$ST/${rel%.gz}" || die "gzip -d $ko failed" ;;
	*) cp "$ko" "$ST/$rel" ;;
	esac
done
cp "$ROOT/lib/modules/$KVER"/modules.{order,builtin,builtin.modinfo} "$ST/lib/modules/$KVER/"
mkdir -p "$ST/lib/modules/$KVER/extra"
cp "$KDIR"/extra/*.ko "$ST/lib/modules/$KVER/extra/"
depmod -b "$ST" "$KVER" || die "depmod for the initramfs failed"

# "firmware" for reprobe_dsp mode=fw
head -c 4096 /dev/zero | tr '\0' 'R' > "$ST/lib/firmware/reprobe/dsp.bin"

copy_with_libs() { # PATH: the file at the same path + every shared library ldd names
	local p=$1 lib
	mkdir -p "$ST/$(dirname "$p")"
	cp -L "$p" "$ST/$p"
	if head -c 4 "$p" | grep -q 'ELF' && ldd "$p" >/dev/null 2>&1; then
		ldd "$p" | awk '/=> \//{print $3} /^[[:space:]]*\/[^ ]*ld-linux/{print $1}' | sort -u |
			while read -r lib; do
				[ -e "$ST/$lib" ] && continue
				mkdir -p "$ST/$(dirname "$lib")"
				cp -L "$lib" "$ST/$lib"
			done
	fi
}
LIBDIRS=
if [ -n "$TRACER" ] || [ ${#WITH[@]} -gt 0 ]; then
	for p in $TRACER ${WITH[@]+"${WITH[@]}"}; do copy_with_libs "$(realpath "$p")"; done
	# also keep the path the user gave (symlinked tools)
	for p in $TRACER ${WITH[@]+"${WITH[@]}"}; do
		[ -e "$ST/$p" ] || { mkdir -p "$ST/$(dirname "$p")"; cp -L "$p" "$ST/$p"; }
	done
	if [ -d /usr/share/alsa ]; then
		mkdir -p "$ST/usr/share"
		cp -a /usr/share/alsa "$ST/usr/share/"
	fi
	LIBDIRS=$(cd "$ST" && find . -name '*.so*' -type f -printf '/%h\n' | sed 's|^/\./|/|' | sort -u | tr '\n' ':')
	LIBDIRS=${LIBDIRS%:}
fi

cp "$HERE/guest/init" "$ST/init"
cp "$HERE/guest/lib.sh" "$ST/reprobe/lib.sh"
cp "$SCEN" "$ST/reprobe/scenario.sh"
chmod 755 "$ST/init"
q() { printf "%s='%s'\n" "$1" "$(printf '%s' "$2" | sed "s/'/'\\\\''/g")"; }
{
	q SCENARIO "$NAME"
	q TRACER "$TRACER"
	q RECORD_ARGS "$RECORD_ARGS"
	q PRELOAD "$SC_PRELOAD"
	q SETTLE "$SC_SETTLE"
	q DPT_MODE "$SC_DPT"
	q DYNDBG "$SC_DYNDBG"
	q TRACER_WAIT "${REPROBE_VM_TRACER_WAIT:-180}"
	q TRACER_STOP_WAIT "${REPROBE_VM_TRACER_STOP_WAIT:-60}"
	q CONSOLE_LOGLEVEL "${REPROBE_VM_CONSOLE_LOGLEVEL:-4}"
	[ -z "$LIBDIRS" ] || echo "export LD_LIBRARY_PATH='$LIBDIRS'"
} > "$ST/reprobe/conf"

# Uncompressed newc cpio: the kernel copies it instead of inflating it under TCG
# (gzip costs ~1 s of guest time per 10 MB; a bpftrace-sized initramfs is ~200 MB).
INITRD=$WORK/initramfs.cpio
( cd "$ST" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --owner 0:0 --quiet ) > "$INITRD" ||
	die "cpio failed"
INITRD_MB=$(( $(stat -c %s "$INITRD") / 1048576 ))

# ---- boot -------------------------------------------------------------------------------------
# the uncompressed vmlinux boots via PVH (no decompression under TCG, ~3 s faster);
# REPROBE_VM_BZIMAGE=1 forces the distro bzImage
KERNEL=$KDIR/vmlinux
[ -s "$KERNEL" ] && [ "${REPROBE_VM_BZIMAGE:-0}" != 1 ] || KERNEL=$ROOT/boot/vmlinuz-$KVER
# no_timer_check: on a busy host TCG is too slow for the IO-APIC timer check at boot, which
# then panics ("IO-APIC + timer doesn't work!"; seen on 6.1 and 6.12 at a host load of ~30)
CMDLINE="console=ttyS0 panic=-1 rdinit=/init no_timer_check $SC_APPEND $APPEND_ARGS ${REPROBE_VM_APPEND:-}"
CMDLINE=$(echo "$CMDLINE" | tr -s ' ')
say "scenario $NAME, kernel $KVER, initramfs ${INITRD_MB} MB, timeout ${TIMEOUT}s${TRACER:+, tracer $TRACER}"
say "cmdline: $CMDLINE"

# -nodefaults/-display none: no VGA/NIC/monitor, nothing on stdin/stdout; ttyS0 = console,
# ttyS1 = file transfer (see guest/init).  TCG only: KVM hangs on the CI machines.
T0=$(date +%s.%N)
set +e
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 \
	-accel tcg -machine q35 -cpu max -smp "$SMP" -m "$MEM" \
	-nodefaults -display none -no-reboot \
	-kernel "$KERNEL" -initrd "$INITRD" -append "$CMDLINE" \
	-audiodev none,id=snd0 -device intel-hda -device hda-duplex,audiodev=snd0 \
	-serial "file:$OUT/console.log" -serial "file:$WORK/xfer.bin" \
	${REPROBE_VM_QEMU_ARGS:-} \
	< /dev/null > "$WORK/qemu.out" 2>&1
QRC=$?
set -e
T1=$(date +%s.%N)
WALL=$(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f", b - a }')
touch "$OUT/console.log"
if [ $QRC -eq 124 ] || [ $QRC -eq 137 ]; then
	tail -n 20 "$OUT/console.log" >&2
	die "qemu timed out after ${TIMEOUT}s (last console lines above; $OUT/console.log)"
fi
if [ $QRC -ne 0 ]; then
	cat "$WORK/qemu.out" >&2
	die "qemu failed (exit $QRC)"
fi
if ! grep -q '^REPROBE-DONE' "$OUT/console.log"; then
	tail -n 30 "$OUT/console.log" >&2
	die "guest did not finish (boot failure or panic? last console lines above; $OUT/console.log)"
fi

# ---- unpack the transfer ---------------------------------------------------------------------
xfer=$(tr -d '\r' < "$OUT/console.log" | sed -n 's/^REPROBE-XFER size=\([0-9]*\) sha256=\([0-9a-f]*\)$/\1 \2/p' | tail -n1)
[ -n "$xfer" ] || die "no REPROBE-XFER line on the console"
size=${xfer% *} sum=${xfer#* }
have=$(stat -c %s "$WORK/xfer.bin")
[ "$have" -ge "$size" ] || die "transfer truncated: $have of $size bytes on ttyS1"
[ "$(head -c "$size" "$WORK/xfer.bin" | sha256sum | cut -d' ' -f1)" = "$sum" ] ||
	die "transfer corrupted (sha256 mismatch)"
head -c "$size" "$WORK/xfer.bin" | tar -x -C "$OUT" -f - || die "cannot unpack the transfer"

# ---- ground-truth.json ------------------------------------------------------------------------
json_str() { # STRING -> JSON string literal
	printf '%s' "$1" | awk 'BEGIN { RS = "\001"; ORS = "" } {
		gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); gsub(/\t/, "\\t"); gsub(/\r/, "\\r"); gsub(/\n/, "\\n");
		print "\"" $0 "\"" }'
	[ -n "$1" ] || printf '""'
}
json_file_or_null() { [ -s "$1" ] && json_str "$(sed 's/[[:space:]]*$//' "$1")" || printf null; }
num_or_null() { # FILE holding a number -> the number, else null
	if [ -s "$1" ] && grep -qE '^-?[0-9]+(\.[0-9]+)?$' "$1"; then tr -d '\n' < "$1"; else printf null; fi
}
num_or_str() { # FILE -> number, JSON string, or null
	if [ -s "$1" ] && grep -qE '^-?[0-9]+$' "$1"; then tr -d '\n' < "$1"; else json_file_or_null "$1"; fi
}

cards_json() { # /proc/asound/cards: " N [ID   ]: DRIVER - SHORTNAME" + "   LONGNAME" lines
	awk 'function esc(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
	function flush() {
		if (id == "") return
		if (n++) printf ","
		printf "{\"index\":%d,\"id\":%s,\"driver\":%s,\"name\":%s,\"longname\":%s}", idx, esc(id), esc(drv), esc(name), esc(long)
		id = ""
	}
	/^ *[0-9]+ \[/ {
		flush()
		idx = $1; id = $0; sub(/^ *[0-9]+ \[/, "", id); sub(/ *\].*/, "", id)
		rest = $0; sub(/^[^]]*\]: /, "", rest)
		k = index(rest, " - ")
		if (k) { drv = substr(rest, 1, k - 1); name = substr(rest, k + 3) } else { drv = rest; name = "" }
		long = ""; next
	}
	id != "" && long == "" { long = $0; sub(/^ +/, "", long) }
	END { flush() }' "$OUT/cards.txt" 2>/dev/null
}
card_ids_json() {
	sed -n 's/^ *[0-9][0-9]* \[\([^] ]*\) *\].*/\1/p' "$OUT/cards.txt" 2>/dev/null |
		awk '{ if (n++) printf ","; printf "\"%s\"", $0 }'
}
deferred_json() {
	awk -F'\t' 'function esc(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
	NF >= 1 && $1 != "" { if (n++) printf ","; printf "{\"dev\":%s,\"reason\":%s}", esc($1), esc($2) }' \
		"$OUT/devices_deferred.txt" 2>/dev/null
}
bound_json() {
	awk 'function esc(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
	NF == 3 { if (n++) printf ","; printf "{\"bus\":%s,\"dev\":%s,\"driver\":%s}", esc($1), esc($2), ($3 == "-" ? "null" : esc($3)) }' \
		"$OUT/bound.txt" 2>/dev/null
}
lines_json() { # FILE -> JSON array of its non-empty lines
	awk 'function esc(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
	$0 != "" { if (n++) printf ","; printf "%s", esc($0) }' "$1" 2>/dev/null
}
STATUS=$(cat "$OUT/status.txt" 2>/dev/null || echo "no status")
{
	printf '{\n'
	printf '  "scenario": %s,\n' "$(json_str "$NAME")"
	printf '  "kernel": %s,\n' "$(json_file_or_null "$OUT/kernel.txt")"
	printf '  "cmdline": %s,\n' "$(json_file_or_null "$OUT/cmdline.txt")"
	printf '  "status": %s,\n' "$(json_str "$STATUS")"
	printf '  "cards": [%s],\n' "$(card_ids_json)"
	printf '  "card_list": [%s],\n' "$(cards_json)"
	printf '  "deferred": [%s],\n' "$(deferred_json)"
	printf '  "bound": [%s],\n' "$(bound_json)"
	printf '  "components": [%s],\n' "$(lines_json "$OUT/asoc-components.txt")"
	printf '  "steps": [%s],\n' "$(lines_json "$OUT/scenario.log")"
	if [ -n "$TRACER" ]; then
		printf '  "tracer": {"path": %s, "args": %s, "startup_ms": %s, "exit": %s, "trace_lines": %s},\n' \
			"$(json_str "$TRACER")" "$(json_str "$RECORD_ARGS")" "$(num_or_null "$OUT/tracer-startup-ms.txt")" \
			"$(num_or_str "$OUT/tracer-exit.txt")" \
			"$( [ -f "$OUT/trace.ndjson" ] && wc -l < "$OUT/trace.ndjson" || echo null)"
	else
		printf '  "tracer": null,\n'
	fi
	printf '  "timing": {"guest_init_s": %s, "scenario_ms": %s, "host_wall_s": %s, "smp": %s, "initramfs_mb": %s}\n' \
		"$(num_or_null "$OUT/init-start.txt")" "$(num_or_null "$OUT/scenario-ms.txt")" "$WALL" "$SMP" "$INITRD_MB"
	printf '}\n'
} > "$OUT/ground-truth.json"

say "done in ${WALL}s: cards [$(card_ids_json)], deferred [$(cut -f1 "$OUT/devices_deferred.txt" 2>/dev/null | tr '\n' ' ')], status: $STATUS"
say "output: $OUT"
if [ "$STATUS" != ok ]; then
	[ ! -s "$OUT/scenario.out" ] || { echo "--- scenario.out" >&2; tail -n 20 "$OUT/scenario.out" >&2; }
	[ ! -s "$OUT/tracer.log" ] || { echo "--- tracer.log" >&2; tail -n 20 "$OUT/tracer.log" >&2; }
	die "guest reported: $STATUS"
fi
