# reprobe VM harness: helpers for the guest init and for scenarios
# (tests/vm/scenarios/*.sh are sourced by /init with this file loaded).
# Busybox ash; no bashisms.

uptime_s() { cut -d' ' -f1 /proc/uptime; }

# whole seconds / milliseconds elapsed since an uptime_s value
elapsed_since() { awk -v t0="$1" '{ printf "%d\n", $1 - t0 }' /proc/uptime; }
elapsed_ms_since() { awk -v t0="$1" '{ printf "%d\n", ($1 - t0) * 1000 }' /proc/uptime; }

# status line on the console (ttyS0) and in /out/init.log
log() {
	echo "REPROBE: [$(uptime_s)] $*"
	echo "[$(uptime_s)] $*" >> /out/init.log
}

# marker in the kernel log (same clock as the printk timestamps in dmesg.txt)
kmsg() { echo "reprobe-vm: $*" > /dev/kmsg; }

# ---- scenario API -------------------------------------------------------

# step DESCRIPTION: a timestamped marker in scenario.log, dmesg and the console
# It forks nothing (read and echo are ash builtins): a scenario's steps are userspace inputs
# the enacted comparison (run-enacted.sh) cannot predict, and under TCG the two forks + execs
# of `cut` it used to run were most of the gap between one modprobe returning and the next
# starting (docs/fidelity.md, "Guest steps that fork nothing").
step() {
	read -r _step_up _ < /proc/uptime
	echo "[$_step_up] $*" >> /out/scenario.log
	kmsg "step: $*"
	echo "REPROBE: [$_step_up] step: $*"
}

# load MODULE [PARAM=VALUE...]: modprobe with a step marker; exits the scenario
# on failure (a scenario that cannot load its modules has no ground truth)
load() {
	step "modprobe $*"
	modprobe "$@" || { echo "modprobe $* failed" >&2; exit 1; }
}

unload() {
	step "rmmod $*"
	rmmod "$@" || { echo "rmmod $* failed" >&2; exit 1; }
}

# wait_component NAME [TIMEOUT_S]: until ASoC lists the component (debugfs)
wait_component() {
	_t0=$(uptime_s)
	while ! grep -qx "$1" /sys/kernel/debug/asoc/components 2>/dev/null; do
		if [ "$(elapsed_since "$_t0")" -ge "${2:-10}" ]; then
			echo "component $1 did not appear within ${2:-10}s" >&2
			exit 1
		fi
		sleep 0.05
	done
	step "component $1 is registered"
}

# wait_card ID [TIMEOUT_S]: until /proc/asound/cards lists card ID; returns 1
# (does not exit) on timeout, since "no card" is a legitimate outcome
wait_card() {
	_t0=$(uptime_s)
	while ! card_ids | grep -qx "$1"; do
		if [ "$(elapsed_since "$_t0")" -ge "${2:-10}" ]; then
			step "card $1 did not appear within ${2:-10}s"
			return 1
		fi
		sleep 0.1
	done
	step "card $1 is present"
}

# settle SECONDS: how long /init waits after the scenario before stopping the
# tracer and collecting the ground truth (default: SETTLE from the header)
settle() { echo "$1" > /tmp/settle; }

card_ids() { sed -n 's/^ *[0-9][0-9]* \[\([^] ]*\) *\].*/\1/p' /proc/asound/cards 2>/dev/null; }

# ---- ground truth (called by /init) ---------------------------------------

# dump_kmsg FILE: every record still in the kernel's ring buffer, as /dev/kmsg gives
# them ("PRI,SEQ,TS_USEC,FLAGS;text" plus " SUBSYSTEM=..."/" DEVICE=..." continuation
# lines) -- the raw form `reprobe import` and `record --backend kmsg` read; dmesg.txt is
# the same log as plain `dmesg` text.  A /dev/kmsg reader blocks at the end of the
# buffer (busybox dd has no iflag=nonblock), so cat runs in the background until the
# file stops growing (checked every 0.2 s, at most 10 s).
dump_kmsg() {
	cat /dev/kmsg > "$1" 2>/dev/null &
	_kpid=$!
	_prev=-1 _n=0
	while [ "$_n" -lt 50 ]; do
		sleep 0.2
		_sz=$(wc -c < "$1")
		[ "$_sz" -gt 0 ] && [ "$_sz" = "$_prev" ] && break
		_prev=$_sz _n=$((_n + 1))
	done
	kill "$_kpid" 2>/dev/null
	wait "$_kpid" 2>/dev/null
}

# dyndbg_enabled: the dynamic-debug call sites whose flags are not "=_" (sorted), to
# check that a recorder restored what it changed
dyndbg_enabled() {
	grep -v ' =_ ' /sys/kernel/debug/dynamic_debug/control 2>/dev/null | grep -v '^#' | sort
}

collect_ground_truth() {
	dmesg > /out/dmesg.txt
	dump_kmsg /out/kmsg.log
	cat /proc/asound/cards > /out/cards.txt 2>/dev/null || echo "--- no soundcards ---" > /out/cards.txt
	cat /sys/kernel/debug/devices_deferred > /out/devices_deferred.txt 2>/dev/null
	cat /sys/kernel/debug/asoc/components > /out/asoc-components.txt 2>/dev/null
	cat /sys/kernel/debug/asoc/dais > /out/asoc-dais.txt 2>/dev/null
	lsmod > /out/lsmod.txt 2>/dev/null
	cat /proc/modules > /out/modules.txt 2>/dev/null
	cat /proc/sys/kernel/tainted > /out/tainted.txt
	# bound.txt: "<bus> <device> <driver or ->" for the devices a scenario cares about
	: > /out/bound.txt
	for d in /sys/bus/platform/devices/reprobe-* /sys/bus/platform/devices/dmic-codec \
		 /sys/bus/pci/devices/* /sys/bus/hdaudio/devices/*; do
		[ -e "$d" ] || continue
		case "$d" in
		/sys/bus/pci/devices/*)
			# only audio-class PCI functions (0x0403xx = HD audio, 0x0401xx)
			grep -q '^0x040[13]' "$d/class" 2>/dev/null || continue ;;
		esac
		bus=${d#/sys/bus/}; bus=${bus%%/*}
		drv=-
		[ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
		echo "$bus $(basename "$d") $drv" >> /out/bound.txt
	done
}

# param NAME DEFAULT: value of "reprobe.NAME=VALUE" on the kernel command line
# (run-scenario.sh --append "reprobe.delay_ms=20"), else DEFAULT
param() {
	_v=$(tr ' ' '\n' < /proc/cmdline | sed -n "s/^reprobe\\.$1=//p" | tail -n1)
	echo "${_v:-$2}"
}

# ---- enacted policies (tests/vm/run-enacted.sh) ------------------------------
# The harness boots with "reprobe.policy=P" (a reprobe replay policy spec) and, for
# the timeout policies, a deferred_probe_timeout= of its own.  /init calls
# enact_setup after the #@preload modules (before the tracer starts); a scenario
# asks for a provider's mode with "pmode DEFAULT".

# enact_policy: the policy this boot enacts ("stock" when none was given)
enact_policy() { param policy stock; }

# pmode MODE: the provider mode (reprobe_dsp / reprobe_amp) for this boot: MODE, or
# under sync-provider the same late work done inside probe: work -> inline (msleep
# delay_ms + register in probe), fw -> inline-fw (request_firmware() + the callback's
# body in probe)
pmode() {
	if [ "$(enact_policy)" = sync-provider ]; then
		case "$1" in work) echo inline ;; fw) echo inline-fw ;; *) echo "$1" ;; esac
	else
		echo "$1"
	fi
}

# enact_setup: load reprobe_enact for the policies that need extra triggers
# (component-kick, provider-kick, periodic[:N|:ms=N]); the others are enacted by
# module parameters (sync-provider, pmode) or by the kernel command line
# (stock:timeout=N, no-timeout: deferred_probe_timeout=).  Writes /out/enact.txt.
enact_setup() {
	_p=$(enact_policy)
	_funcs=$(param enact_funcs reprobe_dsp_probe_work,reprobe_dsp_fw_cb,reprobe_amp_probe_work,reprobe_amp_fw_cb)
	{
		echo "policy $_p"
		echo "deferred_probe_timeout $(sed -n 's/.*deferred_probe_timeout=\([0-9-]*\).*/\1/p' /proc/cmdline)"
		echo "kallsyms: $(grep -E ' snd_soc_add_component([[:space:]]|$)' /proc/kallsyms | sed 's/^[0-9a-f]* //' | tr '\n' ' ')"
	} > /out/enact.txt
	case "$_p" in
	component-kick) _args="policy=component-kick" ;;
	provider-kick) _args="policy=provider-kick provider_funcs=$_funcs" ;;
	periodic) _args="policy=periodic period_ms=1000 armed=0" ;;
	periodic:ms=*) _args="policy=periodic period_ms=${_p#periodic:ms=} armed=0" ;;
	periodic:*) _args="policy=periodic period_ms=${_p#periodic:} armed=0" ;;
	*) echo "enacted by parameters/cmdline only" >> /out/enact.txt; return 0 ;;
	esac
	echo "modprobe reprobe_enact $_args" >> /out/enact.txt
	# periodic kicks are armed by /init when the scenario starts (enact_arm 1) and
	# disarmed before the recorder stops (enact_arm 0): no kick in flight while the
	# recorder attaches or detaches
	# shellcheck disable=SC2086
	modprobe reprobe_enact $_args >> /out/enact.txt 2>&1
}

# enact_arm 0|1: start/stop periodic kicks (no-op without reprobe_enact)
enact_arm() {
	[ -w /sys/module/reprobe_enact/parameters/armed ] || return 0
	echo "$1" > /sys/module/reprobe_enact/parameters/armed && echo "armed=$1 at $(uptime_s)" >> /out/enact.txt
}
