#!/bin/bash
# bench/vm_overhead.sh -- tracer overhead in the real-kernel guest (issue 3 §4).
#
#   bench/vm_overhead.sh BUILDDIR [--boots N] [--hda-reps R] [--loop-n N] [--loop-reps R]
#                        [--configs "none reprobe bpftrace"] [--smp N] [--out DIR]
#                        [--bpf-stats] [--record-args "ARGS"] [--append "KERNEL ARGS"]
#
# Boots the tests/vm guest (Debian 6.1, qemu TCG) once per configuration and boot
# (configurations interleaved, so host-load drift hits all of them alike) and runs
# scenario tests/vm/scenarios/overhead-bench.sh:
#   1. snd-hda-intel bind latency (modprobe -> card "Intel" in /proc/asound/cards),
#   2. unbind/bind stress loop of platform device reprobe-kick,
# under three configurations:
#   none      no tracer
#   reprobe   BUILDDIR/tools/reprobe record (the real recorder)
#   bpftrace  bench/overhead.bt under Debian's /usr/bin/bpftrace, through a generated
#             stand-in wrapper (DIR/bpftrace-overhead-record) honouring the tracer
#             contract "PATH record -o FILE"
# and prints/writes (DIR/results.md, DIR/results.json) median/mean per configuration,
# overhead vs none, events captured, event rate in the loop, drops.
# --smp N: guest vCPUs (qemu -smp, MTTCG; default 1 like the VM suite).
# --bpf-stats: boot with kernel.bpf_stats_enabled=1 and copy bpftool into the guest;
#   the per-program run counts and run times (the kernel-side cost of each hook) are
#   written per boot to DIR/CONFIG-B/tracer-bpf-stats.txt and summed in the table
#   (the statistics themselves cost a little; compare configurations within one mode).
# --record-args ARGS: extra arguments for `reprobe record` (configuration reprobe).
# --append ARGS: extra kernel command line for every boot; NAME=VALUE words become the
#   guest tracer's environment (e.g. REPROBE_BPF_SKIP=... to measure single hooks).
# Every traced boot also reports the tracer session's own CPU time (utime+stime from
# the tracer's ready line to the end of the workload, guest /proc/PID/stat).
# Defaults: --boots 1 --hda-reps 5 --loop-n 5000 --loop-reps 5, DIR=/var/tmp/reprobe-vm/overhead.
# Needs what tests/vm/run-scenario.sh needs (root, tests/vm/prepare.sh).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
usage() { sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//;/^set -e/d' >&2; exit 2; }

BPF_STATS=0 RECORD_ARGS='' EXTRA_APPEND='' SMP=${REPROBE_VM_SMP:-1} BUILD='' BOOTS=1 HDA_REPS=5 LOOP_N=5000 LOOP_REPS=5 CONFIGS="none reprobe bpftrace"
OUT=${REPROBE_VM_CACHE:-/var/tmp/reprobe-vm}/overhead
while [ $# -gt 0 ]; do
	case "$1" in
	--boots) BOOTS=$2; shift 2 ;;
	--hda-reps) HDA_REPS=$2; shift 2 ;;
	--loop-n) LOOP_N=$2; shift 2 ;;
	--loop-reps) LOOP_REPS=$2; shift 2 ;;
	--configs) CONFIGS=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--smp) SMP=$2; shift 2 ;;
	--bpf-stats) BPF_STATS=1; shift ;;
	--record-args) RECORD_ARGS=$2; shift 2 ;;
	--append) EXTRA_APPEND=$2; shift 2 ;;
	-h|--help) usage ;;
	-*) echo "vm_overhead.sh: unknown option $1" >&2; usage ;;
	*) BUILD=$1; shift ;;
	esac
done
[ -n "$BUILD" ] || usage
REPROBE=$(realpath "$BUILD")/tools/reprobe
case " $CONFIGS " in *" reprobe "*) [ -x "$REPROBE" ] || { echo "vm_overhead.sh: $REPROBE not built" >&2; exit 1; } ;; esac
BPFTRACE=${BPFTRACE:-/usr/bin/bpftrace}
case " $CONFIGS " in *" bpftrace "*) [ -x "$BPFTRACE" ] || { echo "vm_overhead.sh: $BPFTRACE missing (apt-get install bpftrace)" >&2; exit 1; } ;; esac
mkdir -p "$OUT"

. "$HERE/vm_boot.sh"
# stand-in tracer "record -o FILE" -> bpftrace running bench/overhead.bt
W=$OUT/bpftrace-overhead-record
write_bpftrace_stand_in vm_overhead.sh "$W"

APPEND="reprobe.hda_reps=$HDA_REPS reprobe.loop_n=$LOOP_N reprobe.loop_reps=$LOOP_REPS${EXTRA_APPEND:+ $EXTRA_APPEND}"
STATS_WITH=()
if [ "$BPF_STATS" = 1 ]; then
	APPEND="$APPEND reprobe.bpf_stats=1"
	BPFTOOL=$(command -v bpftool || true)
	[ -n "$BPFTOOL" ] || { echo "vm_overhead.sh: --bpf-stats needs bpftool on the host" >&2; exit 1; }
	STATS_WITH=(--with "$BPFTOOL")
fi
: > "$OUT/runs.txt"
for b in $(seq 1 "$BOOTS"); do
	for c in $CONFIGS; do
		vm_boot vm_overhead.sh "$b" "$c" overhead-bench "$APPEND" "${STATS_WITH[@]}"
	done
done

python3 - "$OUT" <<'PY'
import json, os, re, statistics as st, sys
out = sys.argv[1]
runs = []
for line in open(os.path.join(out, "runs.txt")):
    f = line.split()
    kv = dict(x.split("=", 1) for x in f[3:])
    runs.append(dict(cfg=f[0], boot=int(f[1]), dir=f[2], **kv))

def parse(d):
    r = dict(hda=[], loops=[], events=0, loop_events=0, loop_s=0.0, hda_events=0, drops=None,
             lost_msgs=0, startup_ms=None, exit=None, ok=False, kinds={}, cpu_s=None, bpf_ns=None, bpf_cnt=0,
             progs={})
    p = os.path.join(d, "overhead.txt")
    if not os.path.exists(p):
        return r
    for l in open(p):
        kv = dict(x.split("=", 1) for x in l.split()[1:] if "=" in x)
        if l.startswith("hda "):
            r["hda"].append((float(kv["t0"]), float(kv["card"])))
        elif l.startswith("loop "):
            r["loops"].append((int(kv["n"]), float(kv["t0"]), float(kv["t1"])))
    r["ok"] = open(os.path.join(d, "status.txt")).read().strip() == "ok" if os.path.exists(os.path.join(d, "status.txt")) else None
    q = os.path.join(d, "tracer-cpu.txt")
    if os.path.exists(q):
        ticks = dict(l.split() for l in open(q) if len(l.split()) == 2)
        if "ready" in ticks and "stop" in ticks:
            r["cpu_s"] = (int(ticks["stop"]) - int(ticks["ready"])) / 100.0  # USER_HZ
    q = os.path.join(d, "tracer-bpf-stats.txt")
    if os.path.exists(q):
        r["bpf_ns"] = 0
        for l in open(q, errors="replace"):
            m = re.search(r"name (\S+).*run_time_ns (\d+) run_cnt (\d+)", l)
            if m:
                r["bpf_ns"] += int(m.group(2)); r["bpf_cnt"] += int(m.group(3))
                pr = r["progs"].setdefault(m.group(1), [0, 0])
                pr[0] += int(m.group(2)); pr[1] += int(m.group(3))
    for name, key in (("tracer-startup-ms.txt", "startup_ms"), ("tracer-exit.txt", "exit")):
        q = os.path.join(d, name)
        if os.path.exists(q):
            r[key] = open(q).read().strip()
    t = os.path.join(d, "trace.ndjson")
    if os.path.exists(t):
        dropped = lost = 0
        for l in open(t, errors="replace"):
            if re.search(r"\blost \d+ events", l, re.I):
                r["lost_msgs"] += int(re.search(r"(\d+) events", l).group(1)); continue
            try:
                e = json.loads(l)
            except Exception:
                continue
            ev = e.get("ev") or e.get("type")
            if ev in ("header", None) or "format" in e:
                continue
            if ev == "end":
                dropped += int(e.get("dropped", 0) or 0); lost += int(e.get("lost", 0) or 0); continue
            r["events"] += 1
            r["kinds"][ev] = r["kinds"].get(ev, 0) + 1
            ts = e.get("t", e.get("ts_ns"))
            if ts is None:
                continue
            ts = ts / 1e9
            if any(t0 <= ts <= t1 for _, t0, t1 in r["loops"]):
                r["loop_events"] += 1
            if any(t0 <= ts <= t1 for t0, t1 in r["hda"]):
                r["hda_events"] += 1
        r["drops"] = dropped + lost
        tl = os.path.join(d, "tracer.log")
        if os.path.exists(tl):
            for l in open(tl, errors="replace"):
                m = re.search(r"[Ll]ost (\d+) events", l)
                if m:
                    r["lost_msgs"] += int(m.group(1))
    r["loop_s"] = sum(t1 - t0 for _, t0, t1 in r["loops"])
    return r

agg = {}
for run in runs:
    r = parse(run["dir"])
    a = agg.setdefault(run["cfg"], dict(hda_ms=[], iter_us=[], events=0, loop_events=0, loop_s=0.0,
                                         loop_iters=0, hda_events=0, drops=0, lost_msgs=0, startup_ms=[],
                                         runs=0, failed=0, kinds={}, cpu_s=[], bpf_ns=[], bpf_cnt=0,
                                         progs={}))
    a["runs"] += 1
    if run.get("rc") != "0" or not r["hda"]:
        a["failed"] += 1
    a["hda_ms"] += [(c - t0) * 1000 for t0, c in r["hda"]]
    a["iter_us"] += [(t1 - t0) / n * 1e6 for n, t0, t1 in r["loops"]]
    a["loop_iters"] += sum(n for n, _, _ in r["loops"])
    for k in ("events", "loop_events", "loop_s", "hda_events", "lost_msgs"):
        a[k] += r[k]
    a["drops"] += r["drops"] or 0
    if r["startup_ms"]:
        a["startup_ms"].append(int(r["startup_ms"]))
    if r["cpu_s"] is not None:
        a["cpu_s"].append(r["cpu_s"])
    if r["bpf_ns"] is not None:
        a["bpf_ns"].append(r["bpf_ns"]); a["bpf_cnt"] += r["bpf_cnt"]
        for k, v in r["progs"].items():
            pr = a["progs"].setdefault(k, [0, 0]); pr[0] += v[0]; pr[1] += v[1]
    for k, v in r["kinds"].items():
        a["kinds"][k] = a["kinds"].get(k, 0) + v

def med(x): return st.median(x) if x else float("nan")
def mean(x): return st.mean(x) if x else float("nan")
base = agg.get("none")
rows = []
hdr = ("| configuration | hda bind ms median / mean (n) | overhead | loop µs/iter median / mean (n) | overhead "
       "| events captured (total / in loop) | events/iter | event rate in loop | drops / lost | tracer startup "
       "| tracer CPU during workload | BPF run time (runs) |")
rows.append(hdr)
rows.append("|" + "---|" * (hdr.count("|") - 1))
for cfg in [c for c in ("none", "reprobe", "bpftrace") if c in agg] + [c for c in agg if c not in ("none", "reprobe", "bpftrace")]:
    a = agg[cfg]
    def ov(key):
        if cfg == "none" or not base or not base[key] or not a[key]:
            return "—"
        return "%+.1f %%" % ((med(a[key]) / med(base[key]) - 1) * 100)
    name = {"none": "no tracer", "reprobe": "`reprobe record`", "bpftrace": "`bpftrace` (bench/overhead.bt)"}.get(cfg, cfg)
    if cfg == "none":
        ev = rate = per = drops = su = cpu = bpf = "—"
    else:
        ev = "%d / %d" % (a["events"], a["loop_events"])
        per = "%.2f" % (a["loop_events"] / a["loop_iters"]) if a["loop_iters"] else "—"
        rate = "%.0f /s" % (a["loop_events"] / a["loop_s"]) if a["loop_s"] else "—"
        drops = "%d / %d" % (a["drops"], a["lost_msgs"]) if cfg == "reprobe" else "— / %d" % a["lost_msgs"]
        su = "%.1f s" % (med(a["startup_ms"]) / 1000) if a["startup_ms"] else "—"
        cpu = "%.2f s" % sum(a["cpu_s"]) if a["cpu_s"] else "—"
        bpf = "%.2f s (%d)" % (sum(a["bpf_ns"]) / 1e9, a["bpf_cnt"]) if a["bpf_ns"] else "—"
    rows.append("| %s | %.0f / %.0f (%d) | %s | %.0f / %.0f (%d) | %s | %s | %s | %s | %s | %s | %s | %s |" % (
        name, med(a["hda_ms"]), mean(a["hda_ms"]), len(a["hda_ms"]), ov("hda_ms"),
        med(a["iter_us"]), mean(a["iter_us"]), len(a["iter_us"]), ov("iter_us"), ev, per, rate, drops, su, cpu, bpf))
    if a["failed"]:
        rows.append("| ↳ %s: %d of %d boots failed or incomplete |" % (cfg, a["failed"], a["runs"]) + " |" * (hdr.count("|") - 2))
table = "\n".join(rows)
open(os.path.join(out, "results.md"), "w").write(table + "\n")
json.dump(agg, open(os.path.join(out, "results.json"), "w"), indent=1, default=str)
loads = [float(r[k].split(",")[0]) for r in runs for k in ("load_before", "load_after") if k in r]
walls = {}
for r in runs:
    walls.setdefault(r["cfg"], []).append(int(r.get("wall", 0)))
extra = "host load average (1 min) before/after the boots: %.2f–%.2f; host wall per boot: %s" % (
    min(loads), max(loads), ", ".join("%s %s s" % (c, "/".join(map(str, w))) for c, w in walls.items()))
open(os.path.join(out, "results.md"), "a").write("\n" + extra + "\n")
print(table)
print(extra)
for cfg, a in agg.items():
    print("%s: event kinds %s" % (cfg, json.dumps(a["kinds"], sort_keys=True)))
    print("%s: hda ms %s" % (cfg, ["%.0f" % x for x in a["hda_ms"]]))
    print("%s: loop us/iter %s" % (cfg, ["%.0f" % x for x in a["iter_us"]]))
    if a["progs"]:
        top = sorted(a["progs"].items(), key=lambda kv: -kv[1][0])[:12]
        print("%s: BPF programs by run time: %s" % (cfg, ", ".join(
            "%s %.0f ms/%d (%.1f us)" % (k, v[0] / 1e6, v[1], v[0] / 1e3 / v[1] if v[1] else 0) for k, v in top)))
PY
