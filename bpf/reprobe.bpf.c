// SPDX-License-Identifier: GPL-2.0-only
/* reprobe capture side: driver-core probe / deferred-probe events, firmware,
 * modules, work items and ASoC milestones into one ring buffer of
 * variable-size records (bpf/reprobe_abi.h): a record is built in a per-CPU
 * scratch slot (header + only the strings present, packed) and copied into the
 * ring with its exact size. Submission does not wake the reader unless the
 * unread data passed cfg_wakeup_bytes; the reader polls with a timeout and
 * drains in batches. Records that do not fit are counted per CPU (drops).
 *
 * Every hook exists in up to four program variants so one object serves all
 * tiers: fe_* (fentry), fx_* (fexit), kp_* (kprobe), kr_* (kretprobe); the
 * loader (tracer/ebpf/bpf_tracer.cpp) picks one tier per hook at run time and
 * disables the rest with bpf_program__set_autoload(false). Classic tracepoints
 * are tp_*. kprobe programs are attached by the loader to the symbol it
 * resolved (including compiler clones such as driver_deferred_probe_add.part.0),
 * so their SEC() target is only a default. kretprobes get the entry arguments
 * from a per-task stack ("stash") pushed by the matching kprobe. */
#include "vmlinux_min.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "reprobe_abi.h"

char LICENSE[] SEC("license") = "GPL";

/* Filled by the loader from /proc/kallsyms before load (0 = unknown). */
const volatile __u64 cfg_trigger_count_addr = 0; /* &deferred_trigger_count (atomic_t) */
const volatile __u64 cfg_timeout_secs_addr = 0;  /* &driver_deferred_probe_timeout (int) */
const volatile __u64 cfg_timeout_work_addr = 0;  /* &deferred_probe_timeout_work (delayed_work) */
const volatile __u32 cfg_work_all = 0;           /* record every work item, not only relevant ones */
/* Wake the reader once this much unread data is in the ring (0: every record). */
const volatile __u64 cfg_wakeup_bytes = 0;
/* 1: bpf_snprintf() exists (5.13+; the loader probes it). Code addresses
 * (work functions, firmware callbacks) are then named by the kernel's own
 * "%ps" at record time (RP_S_SYM), module symbols included, and work
 * functions of modules loaded later are matched by name (cfg_work_name_hash).
 * 0: those branches are dead code the verifier never sees. */
const volatile __u32 cfg_ksym_in_bpf = 0;
/* FNV-1a 64 hashes of work-function names always followed, for functions in
 * modules that load after the loader read /proc/kallsyms (see work_by_name). */
#define RP_WORK_NAMES 16 /* kMaxFollowedWork in tracer/ebpf/bpf_tracer.cpp */
const volatile __u64 cfg_work_name_hash[RP_WORK_NAMES] = {};
const volatile __u32 cfg_work_names = 0;

#ifndef BPF_RB_NO_WAKEUP
#define BPF_RB_NO_WAKEUP (1ULL << 0)
#define BPF_RB_FORCE_WAKEUP (1ULL << 1)
#define BPF_RB_AVAIL_DATA 0
#endif

/* Size set by the loader (reprobe record --ring-size); 64 MiB default. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20);
} events SEC(".maps");

/* Record under construction. Up to RP_NEST levels per CPU: a tracepoint in
 * softirq may interrupt a program building a record on the same CPU. The
 * slot is twice RP_REC_MAX so that bounded offsets satisfy the verifier. */
#define RP_NEST 4
#define RP_SCRATCH (2 * RP_REC_MAX)
struct rp_scratch {
	__u8 raw[RP_SCRATCH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RP_NEST);
	__type(key, u32);
	__type(value, struct rp_scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u32);
} nesting SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RP_CNT_MAX);
	__type(key, u32);
	__type(value, u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} cookies SEC(".maps");

/* Per-task context: what the task is inside of (for filters and trigger causes). */
struct task_ctx {
	u32 probe;      /* really_probe depth */
	u32 bound;      /* driver_bound depth */
	u32 timeout;    /* inside deferred_probe_timeout_work_func */
	u32 fw_loaded;  /* FW_LOADED already emitted for fw_work */
	u64 fw_work;    /* struct firmware_work * being run by request_firmware_work_func */
	u64 work;       /* tracked work item currently executing */
	u64 card_dev;   /* struct device * of the card being registered (snd_soc_register_card) */
	u64 link_name;  /* dai_link of the pcm runtime being added: name, cpus, codecs, platforms */
	u64 link_cpus;
	u64 link_codecs;
	u64 link_platforms;
	u64 async_dev;  /* struct device * an async probe helper is probing (see "async probing") */
	u32 n_cpus;
	u32 n_codecs;
	u32 n_platforms;
	u32 link_matched; /* link components a registered component matched (LM_* bits; 6.12+ lookup) */
	u32 link_state;   /* LS_* flags of the pcm runtime being added */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, u32);
	__type(value, struct task_ctx);
} tasks SEC(".maps");

/* kretprobe argument stash: a small per-task stack per hook. */
enum hook_id {
	H_REALLY_PROBE = 1,
	H_BOUND,
	H_REASON,
	H_FW_SYNC,
	H_FW_WORK,
	H_TIMEOUT_WORK,
	H_DWORK,
	H_INIT_MODULE,
	H_CARD,
	H_SND_CARD,
	H_RFW,
	H_FIND_DAI,
	H_FIND_COMPONENT,
	H_DEVICE_LINK,
	H_MATCH_COMPONENT,
};

struct stash_key {
	u32 tid;
	u16 hook;
	u16 depth;
};

struct stash_val {
	u64 a0;
	u64 a1;
	u64 a2;
};

struct depth_key {
	u32 tid;
	u32 hook;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct stash_key);
	__type(value, struct stash_val);
} stash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct depth_key);
	__type(value, u32);
} depths SEC(".maps");

struct modname {
	char name[56];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, struct modname);
} initmods SEC(".maps");

/* Work items worth following: work_struct * -> state. */
#define WORK_QUEUED 1
#define WORK_RUNNING 2
#define WORK_RUNNING_REQUEUED 3

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, u64);
	__type(value, u32);
} works SEC(".maps");

/* Work functions always followed (filled by the loader from kallsyms). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u64);
	__type(value, u8);
} work_funcs SEC(".maps");

/* Work-function verdicts of work_by_name(), per code address and module
 * generation (bumped on every module load and unload, so an address reused
 * by another module is looked up again). */
struct func_key {
	u64 func;
	u64 gen;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct func_key);
	__type(value, u8);
} func_verdict SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} module_gen SEC(".maps");

/* ------------------------------------------------------------------------ */

static __always_inline u32 cur_tid(void)
{
	return (u32)bpf_get_current_pid_tgid();
}

static __always_inline void count_drop(void)
{
	u32 k = RP_CNT_DROPS;
	u64 *v = bpf_map_lookup_elem(&counters, &k);
	if (v)
		*v += 1;
}

static __always_inline u64 next_cookie(void)
{
	u32 k = 0;
	u64 *v = bpf_map_lookup_elem(&cookies, &k);
	if (!v)
		return 0;
	return __sync_fetch_and_add(v, 1) + 1;
}

static __always_inline struct task_ctx *task_get(bool create)
{
	u32 tid = cur_tid();
	struct task_ctx *c = bpf_map_lookup_elem(&tasks, &tid);
	if (c || !create)
		return c;
	struct task_ctx z = {};
	bpf_map_update_elem(&tasks, &tid, &z, BPF_NOEXIST);
	return bpf_map_lookup_elem(&tasks, &tid);
}

static __always_inline void stash_push(u16 hook, u64 a0, u64 a1, u64 a2)
{
	struct depth_key dk = { .tid = cur_tid(), .hook = hook };
	u32 zero = 0, d;
	u32 *dp = bpf_map_lookup_elem(&depths, &dk);
	if (!dp) {
		bpf_map_update_elem(&depths, &dk, &zero, BPF_NOEXIST);
		dp = bpf_map_lookup_elem(&depths, &dk);
		if (!dp)
			return;
	}
	d = *dp;
	if (d >= 64)
		return;
	*dp = d + 1;
	struct stash_key sk = { .tid = dk.tid, .hook = hook, .depth = (u16)d };
	struct stash_val sv = { .a0 = a0, .a1 = a1, .a2 = a2 };
	bpf_map_update_elem(&stash, &sk, &sv, BPF_ANY);
}

static __always_inline bool stash_pop(u16 hook, struct stash_val *out)
{
	struct depth_key dk = { .tid = cur_tid(), .hook = hook };
	u32 *dp = bpf_map_lookup_elem(&depths, &dk);
	if (!dp || *dp == 0)
		return false;
	u32 d = *dp - 1;
	*dp = d;
	struct stash_key sk = { .tid = dk.tid, .hook = hook, .depth = (u16)d };
	struct stash_val *sv = bpf_map_lookup_elem(&stash, &sk);
	if (!sv)
		return false;
	*out = *sv;
	bpf_map_delete_elem(&stash, &sk);
	return true;
}

static __always_inline struct rp_event *ev_new(u32 kind)
{
	u32 zero = 0;
	u32 *lvl = bpf_map_lookup_elem(&nesting, &zero);
	if (!lvl)
		return 0;
	u32 l = *lvl;
	if (l >= RP_NEST) {
		count_drop();
		return 0;
	}
	struct rp_scratch *s = bpf_map_lookup_elem(&scratch, &l);
	if (!s)
		return 0;
	*lvl = l + 1;
	struct rp_event *e = (struct rp_event *)s->raw;
	u64 id = bpf_get_current_pid_tgid();
	e->ts = bpf_ktime_get_boot_ns();
	e->dev = 0;
	e->ptr = 0;
	e->ptr2 = 0;
	e->ret = 0;
	e->aux = 0;
	e->kind = kind;
	e->cpu = bpf_get_smp_processor_id();
	e->tid = (u32)id;
	e->flags = 0;
	e->size = sizeof(*e);
	e->abi = RP_ABI_VERSION;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

/* Copies the record into the ring with its exact size and frees the scratch slot. */
static __always_inline void ev_submit(struct rp_event *e)
{
	u32 size = e->size;
	u64 flags = BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) + size >= cfg_wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	if (size > RP_REC_MAX || bpf_ringbuf_output(&events, e, size & (RP_SCRATCH - 1), flags))
		count_drop();
	u32 zero = 0;
	u32 *lvl = bpf_map_lookup_elem(&nesting, &zero);
	if (lvl && *lvl)
		*lvl -= 1;
}

/* Appends string item `field` read from kernel memory at src (at most max - 1
 * bytes); nothing for NULL, unreadable or empty strings. */
static __always_inline void put_str(struct rp_event *e, u32 field, const void *src, u32 max)
{
	if (!src)
		return;
	u32 off = e->size;
	if (off > RP_REC_MAX - 2 - RP_STR_LEN)
		return;
	off &= RP_REC_MAX - 1;
	u8 *p = (u8 *)e + off;
	long n = bpf_probe_read_kernel_str(p + 2, max, src);
	if (n <= 1)
		return;
	p[0] = (u8)field;
	p[1] = (u8)(n - 1);
	e->size = off + 2 + (u32)(n - 1);
}

/* Addresses already named in this module generation (RP_S_SYM is sent once;
 * the decoder remembers it until the next module load/free record). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct func_key);
	__type(value, u8);
} sym_sent SEC(".maps");

/* Appends RP_S_SYM: the kernel's name for code address `addr` ("%ps":
 * "func" or "func [module]"), if the loader enabled it and this address has
 * not been named since the last module load/free. */
static __always_inline void put_sym(struct rp_event *e, u64 addr)
{
	if (!cfg_ksym_in_bpf || !addr)
		return;
	u32 zero = 0;
	u64 *gen = bpf_map_lookup_elem(&module_gen, &zero);
	struct func_key k = { .func = addr, .gen = gen ? *gen : 0 };
	if (bpf_map_lookup_elem(&sym_sent, &k))
		return;
	u8 one = 1;
	bpf_map_update_elem(&sym_sent, &k, &one, BPF_ANY);
	u32 off = e->size;
	if (off > RP_REC_MAX - 2 - RP_SYM_LEN)
		return;
	off &= RP_REC_MAX - 1;
	u8 *p = (u8 *)e + off;
	u64 arg = addr;
	long n = bpf_snprintf((char *)p + 2, RP_SYM_LEN, "%ps", &arg, sizeof(arg));
	if (n <= 1)
		return;
	if (n > RP_SYM_LEN)
		n = RP_SYM_LEN; /* truncated to RP_SYM_LEN - 1 bytes */
	p[0] = RP_S_SYM;
	p[1] = (u8)(n - 1);
	e->size = off + 2 + (u32)(n - 1);
}

/* True if the work function at `func` is one of cfg_work_name_hash: its
 * "%ps" name up to " [module]" hashed with FNV-1a 64. One LRU lookup per work
 * item once the address has been seen in this module generation. */
static __always_inline bool work_by_name(u64 func)
{
	if (!cfg_ksym_in_bpf || !cfg_work_names || !func)
		return false;
	u32 zero = 0;
	u64 *gen = bpf_map_lookup_elem(&module_gen, &zero);
	struct func_key k = { .func = func, .gen = gen ? *gen : 0 };
	u8 *v = bpf_map_lookup_elem(&func_verdict, &k);
	if (v)
		return *v;
	char name[64] = {};
	u64 arg = func;
	bpf_snprintf(name, sizeof(name), "%ps", &arg, sizeof(arg));
	u64 h = 14695981039346656037ULL;
	for (int i = 0; i < (int)sizeof(name); i++) {
		char c = name[i];
		if (c == 0 || c == ' ')
			break;
		h ^= (u8)c;
		h *= 1099511628211ULL;
	}
	u8 verdict = 0;
	for (int i = 0; i < RP_WORK_NAMES; i++)
		if (i < cfg_work_names && cfg_work_name_hash[i] == h)
			verdict = 1;
	bpf_map_update_elem(&func_verdict, &k, &verdict, BPF_ANY);
	return verdict;
}

static __always_inline void bump_module_gen(void)
{
	u32 zero = 0;
	u64 *gen = bpf_map_lookup_elem(&module_gen, &zero);
	if (gen)
		__sync_fetch_and_add(gen, 1);
}

static __always_inline const char *dev_name_ptr(const struct device *dev)
{
	const char *n = BPF_CORE_READ(dev, kobj.name);
	if (!n)
		n = BPF_CORE_READ(dev, init_name);
	return n;
}

/* device name and bus name */
static __always_inline void read_dev(struct rp_event *e, const struct device *dev)
{
	e->dev = (u64)dev;
	if (!dev)
		return;
	put_str(e, RP_S_DEV, dev_name_ptr(dev), RP_NAME_LEN);
	put_str(e, RP_S_BUS, BPF_CORE_READ(dev, bus, name), RP_BUS_LEN);
}

static __always_inline void read_drv(struct rp_event *e, const struct device_driver *drv)
{
	if (drv)
		put_str(e, RP_S_DRV, BPF_CORE_READ(drv, name), RP_NAME_LEN);
}

/* ---------------------------- event handlers ---------------------------- */

static __always_inline int on_probe_start(struct device *dev, struct device_driver *drv)
{
	struct task_ctx *t = task_get(true);
	bool async = false;
	if (t) {
		async = dev && t->async_dev == (u64)dev;
		t->probe++;
	}
	struct rp_event *e = ev_new(RP_PROBE_START);
	if (!e)
		return 0;
	read_dev(e, dev);
	read_drv(e, drv);
	if (async)
		e->flags |= RP_F_ASYNC;
	ev_submit(e);
	return 0;
}

static __always_inline int on_probe_end(struct device *dev, struct device_driver *drv, long ret)
{
	struct task_ctx *t = task_get(false);
	if (t && t->probe)
		t->probe--;
	struct rp_event *e = ev_new(RP_PROBE_END);
	if (!e)
		return 0;
	read_dev(e, dev);
	read_drv(e, drv);
	e->ret = (int)ret;
	ev_submit(e);
	return 0;
}

static __always_inline int on_bound(struct device *dev)
{
	struct task_ctx *t = task_get(true);
	if (t)
		t->bound++;
	struct rp_event *e = ev_new(RP_BOUND);
	if (!e)
		return 0;
	read_dev(e, dev);
	read_drv(e, BPF_CORE_READ(dev, driver));
	ev_submit(e);
	return 0;
}

static __always_inline int on_bound_exit(void)
{
	struct task_ctx *t = task_get(false);
	if (t && t->bound)
		t->bound--;
	return 0;
}

static __always_inline bool on_deferred_list(const struct device *dev)
{
	struct device_private *p = BPF_CORE_READ(dev, p);
	if (!p)
		return false;
	struct list_head *next = BPF_CORE_READ(p, deferred_probe.next);
	void *self = (void *)__builtin_preserve_access_index(&p->deferred_probe);
	return next && (void *)next != self;
}

static __always_inline int on_defer_add(struct device *dev)
{
	struct rp_event *e = ev_new(RP_DEFER_ADD);
	if (!e)
		return 0;
	read_dev(e, dev);
	if (dev && on_deferred_list(dev))
		e->flags |= RP_F_ON_LIST;
	ev_submit(e);
	return 0;
}

static __always_inline int on_defer_del(struct device *dev)
{
	if (!dev || !on_deferred_list(dev))
		return 0; /* not listed: nothing removed */
	struct rp_event *e = ev_new(RP_DEFER_DEL);
	if (!e)
		return 0;
	read_dev(e, dev);
	e->flags |= RP_F_ON_LIST;
	ev_submit(e);
	return 0;
}

static __always_inline int on_reason(const struct device *dev)
{
	if (!dev)
		return 0;
	const char *r = BPF_CORE_READ(dev, p, deferred_probe_reason);
	struct rp_event *e = ev_new(RP_DEFER_REASON);
	if (!e)
		return 0;
	read_dev(e, dev);
	put_str(e, RP_S_STR, r, RP_STR_LEN);
	ev_submit(e);
	return 0;
}

static __always_inline int on_trigger(void)
{
	struct rp_event *e = ev_new(RP_TRIGGER);
	if (!e)
		return 0;
	if (cfg_trigger_count_addr) {
		int c = 0;
		if (bpf_probe_read_kernel(&c, sizeof(c), (const void *)cfg_trigger_count_addr) == 0) {
			/* hooked at entry: the body increments it next */
			e->aux = (u64)(u32)c + 1;
			e->flags |= RP_F_COUNT;
		}
	}
	struct task_ctx *t = task_get(false);
	if (t) {
		if (t->bound)
			e->flags |= RP_F_IN_BOUND;
		if (t->timeout)
			e->flags |= RP_F_IN_TIMEOUT;
		if (t->probe)
			e->flags |= RP_F_IN_PROBE;
	}
	ev_submit(e);
	return 0;
}

static __always_inline int on_simple(u32 kind)
{
	struct rp_event *e = ev_new(kind);
	if (e)
		ev_submit(e);
	return 0;
}

static __always_inline int on_timeout_work(bool entry)
{
	struct task_ctx *t = task_get(entry);
	if (entry) {
		if (t)
			t->timeout++;
		return on_simple(RP_TIMEOUT_FIRED);
	}
	if (t && t->timeout)
		t->timeout--;
	return 0;
}

static __always_inline int on_extend_timeout(void)
{
	struct rp_event *e = ev_new(RP_TIMEOUT_EXTENDED);
	if (!e)
		return 0;
	if (cfg_timeout_secs_addr) {
		int secs = 0;
		if (bpf_probe_read_kernel(&secs, sizeof(secs), (const void *)cfg_timeout_secs_addr) == 0) {
			e->ret = secs;
			e->flags |= RP_F_COUNT;
		}
	}
	if (cfg_timeout_work_addr) {
		/* delayed_work.work.data bit 0 = WORK_STRUCT_PENDING */
		u64 data = 0;
		if (bpf_probe_read_kernel(&data, sizeof(data), (const void *)cfg_timeout_work_addr) == 0 &&
		    !(data & 1))
			e->flags |= RP_F_NOT_PENDING;
	}
	ev_submit(e);
	return 0;
}

static __always_inline int on_device_add(struct device *dev)
{
	if (!dev || !BPF_CORE_READ(dev, bus))
		return 0; /* class devices cannot be probed: not part of the model */
	struct rp_event *e = ev_new(RP_DEVICE_ADD);
	if (!e)
		return 0;
	read_dev(e, dev);
	struct device *parent = BPF_CORE_READ(dev, parent);
	if (parent)
		put_str(e, RP_S_PARENT, dev_name_ptr(parent), RP_NAME_LEN);
	ev_submit(e);
	return 0;
}

static __always_inline int on_device_del(struct device *dev)
{
	if (!dev || !BPF_CORE_READ(dev, bus))
		return 0;
	struct rp_event *e = ev_new(RP_DEVICE_DEL);
	if (!e)
		return 0;
	read_dev(e, dev);
	ev_submit(e);
	return 0;
}

static __always_inline int on_driver_register(struct device_driver *drv, bool reg)
{
	struct rp_event *e = ev_new(reg ? RP_DRIVER_REGISTER : RP_DRIVER_UNREGISTER);
	if (!e)
		return 0;
	read_drv(e, drv);
	if (reg && drv) {
		put_str(e, RP_S_BUS, BPF_CORE_READ(drv, bus, name), RP_BUS_LEN);
		struct module *owner = BPF_CORE_READ(drv, owner);
		/* driver_allows_async_probing() minus cmdline_requested_async_probing()
		 * (driver_async_probe=, a static string in dd.c; the header snapshot
		 * has the command line) */
		enum probe_type pt = BPF_CORE_READ(drv, probe_type);
		if (pt == PROBE_PREFER_ASYNCHRONOUS ||
		    (pt != PROBE_FORCE_SYNCHRONOUS && owner && bpf_core_field_exists(owner->async_probe_requested) &&
		     BPF_CORE_READ(owner, async_probe_requested)))
			e->flags |= RP_F_ASYNC;
		if (owner)
			put_str(e, RP_S_STR, __builtin_preserve_access_index(&owner->name), RP_NAME_LEN);
	}
	ev_submit(e);
	return 0;
}

static __always_inline int on_unbind(struct device *dev, struct device_driver *drv)
{
	if (!dev)
		return 0;
	struct device_driver *cur = BPF_CORE_READ(dev, driver);
	if (!cur || (drv && drv != cur))
		return 0;
	struct rp_event *e = ev_new(RP_UNBIND);
	if (!e)
		return 0;
	read_dev(e, dev);
	read_drv(e, cur);
	e->flags |= RP_F_DEV_DRIVER;
	ev_submit(e);
	return 0;
}

static __always_inline int on_resume(void)
{
	return on_simple(RP_RESUME);
}

/* device_link_add() returned a link (new, or an existing one it updated): the
 * consumer, the supplier's name and the link's flags as they now are
 * (DL_FLAG_INFERRED marks fw_devlink's own links). NULL (refused) records
 * nothing. */
static __always_inline int on_device_link(struct device *consumer, struct device *supplier,
					  struct device_link *link)
{
	if (!consumer || !supplier || !link || (unsigned long)link >= (unsigned long)-4095)
		return 0;
	struct rp_event *e = ev_new(RP_DEVICE_LINK);
	if (!e)
		return 0;
	read_dev(e, consumer);
	put_str(e, RP_S_STR, dev_name_ptr(supplier), RP_NAME_LEN);
	e->aux = BPF_CORE_READ(link, flags);
	ev_submit(e);
	return 0;
}

/* firmware ------------------------------------------------------------- */

static __always_inline u64 on_fw_sync(const char *name, struct device *dev)
{
	u64 cookie = next_cookie();
	struct rp_event *e = ev_new(RP_FW_REQUEST);
	if (!e)
		return cookie;
	read_dev(e, dev);
	put_str(e, RP_S_STR, name, RP_STR_LEN);
	e->ptr = cookie;
	ev_submit(e);
	return cookie;
}

static __always_inline int on_fw_sync_done(u64 cookie, long ret)
{
	struct rp_event *e = ev_new(RP_FW_SYNC_DONE);
	if (!e)
		return 0;
	e->ptr = cookie;
	e->ret = (int)ret;
	ev_submit(e);
	return 0;
}

static __always_inline int on_fw_nowait(const char *name, struct device *dev, void *context, void *cont)
{
	struct rp_event *e = ev_new(RP_FW_REQUEST);
	if (!e)
		return 0;
	read_dev(e, dev);
	put_str(e, RP_S_STR, name, RP_STR_LEN);
	e->flags |= RP_F_NOWAIT;
	e->ptr = (u64)cont;
	e->ptr2 = (u64)context;
	put_sym(e, e->ptr);
	ev_submit(e);
	return 0;
}

static __always_inline int on_fw_work_start(struct work_struct *work)
{
	struct firmware_work *fw = (void *)work - bpf_core_field_offset(struct firmware_work, work);
	struct task_ctx *t = task_get(true);
	if (t) {
		t->fw_work = (u64)fw;
		t->fw_loaded = 0;
	}
	struct rp_event *e = ev_new(RP_FW_WORK_START);
	if (!e)
		return 0;
	read_dev(e, BPF_CORE_READ(fw, device));
	put_str(e, RP_S_STR, BPF_CORE_READ(fw, name), RP_STR_LEN);
	e->ptr = (u64)fw;
	e->aux = (u64)BPF_CORE_READ(fw, cont);
	e->ptr2 = (u64)BPF_CORE_READ(fw, context);
	put_sym(e, e->aux);
	ev_submit(e);
	return 0;
}

static __always_inline int on_fw_loaded(long ret)
{
	struct task_ctx *t = task_get(false);
	if (!t || !t->fw_work || t->fw_loaded)
		return 0;
	t->fw_loaded = 1;
	struct rp_event *e = ev_new(RP_FW_LOADED);
	if (!e)
		return 0;
	e->ptr = t->fw_work;
	e->ret = (int)ret;
	ev_submit(e);
	return 0;
}

static __always_inline int on_fw_work_end(void)
{
	struct task_ctx *t = task_get(false);
	if (!t || !t->fw_work)
		return 0;
	u64 fw = t->fw_work;
	t->fw_work = 0;
	t->fw_loaded = 0;
	struct rp_event *e = ev_new(RP_FW_WORK_END);
	if (!e)
		return 0;
	e->ptr = fw;
	ev_submit(e);
	return 0;
}

/* modules -------------------------------------------------------------- */

static __always_inline int on_init_module(struct module *mod)
{
	u32 tid = cur_tid();
	struct modname m = {};
	bpf_probe_read_kernel_str(m.name, sizeof(m.name), __builtin_preserve_access_index(&mod->name));
	bpf_map_update_elem(&initmods, &tid, &m, BPF_ANY);
	return 0;
}

static __always_inline int on_init_module_done(long ret)
{
	u32 tid = cur_tid();
	struct modname *m = bpf_map_lookup_elem(&initmods, &tid);
	if (!m)
		return 0;
	struct rp_event *e = ev_new(RP_MODULE_INIT_DONE);
	if (e) {
		put_str(e, RP_S_STR, m->name, sizeof(m->name));
		e->ret = (int)ret;
		ev_submit(e);
	}
	bpf_map_delete_elem(&initmods, &tid);
	return 0;
}

/* sound ---------------------------------------------------------------- */

static __always_inline int on_component_add(struct snd_soc_component *c, struct snd_soc_dai_driver *dd, int num)
{
	struct rp_event *e = ev_new(RP_COMPONENT_ADD);
	if (!e)
		return 0;
	read_dev(e, BPF_CORE_READ(c, dev));
	put_str(e, RP_S_STR, BPF_CORE_READ(c, name), RP_STR_LEN);
	e->aux = (u64)(u32)num;
	u64 sz = bpf_core_type_size(struct snd_soc_dai_driver);
	for (int i = 0; i < RP_MAX_DAIS; i++) {
		if (i >= num || !dd)
			break;
		struct snd_soc_dai_driver *d = (void *)dd + (u64)i * sz;
		put_str(e, RP_S_DAI, BPF_CORE_READ(d, name), RP_DAI_LEN);
	}
	ev_submit(e);
	return 0;
}

static __always_inline int on_component_del(struct snd_soc_component *c)
{
	struct rp_event *e = ev_new(RP_COMPONENT_DEL);
	if (!e)
		return 0;
	read_dev(e, BPF_CORE_READ(c, dev));
	put_str(e, RP_S_STR, BPF_CORE_READ(c, name), RP_STR_LEN);
	/* snd_soc_del_component_unlocked() unbinds component->card (a card that probed this
	 * component) and, when it was instantiated, puts it on unbind_card_list, from which
	 * snd_soc_try_rebind_card() re-binds it at a later snd_soc_add_component() */
	struct snd_soc_card *card = BPF_CORE_READ(c, card);
	if (card) {
		const struct device *cdev = BPF_CORE_READ(card, dev);
		if (cdev)
			put_str(e, RP_S_CARD, dev_name_ptr(cdev), RP_NAME_LEN);
	}
	ev_submit(e);
	return 0;
}

static __always_inline int on_card_bind(struct snd_soc_card *card, bool entry, long ret)
{
	struct task_ctx *t = task_get(entry);
	if (t) {
		t->card_dev = entry ? (u64)BPF_CORE_READ(card, dev) : 0;
		t->link_name = t->link_cpus = t->link_codecs = t->link_platforms = 0;
		t->n_cpus = t->n_codecs = t->n_platforms = 0;
	}
	struct rp_event *e = ev_new(entry ? RP_CARD_BIND_START : RP_CARD_BIND_END);
	if (!e)
		return 0;
	read_dev(e, BPF_CORE_READ(card, dev));
	if (entry)
		put_str(e, RP_S_STR, BPF_CORE_READ(card, name), RP_STR_LEN);
	else
		e->ret = (int)ret;
	ev_submit(e);
	return 0;
}

/* link_state flags and link_matched bits of the pcm runtime being added */
#define LS_REPORTED 0x1    /* a missing DAI/component of this link was already reported */
#define LS_MATCHED 0x2     /* snd_soc_is_matching_component() ran for this link */
#define LS_CARD_HOOK 0x4   /* the card has an add_dai_link callback (may fail before the check) */
#define LM_PER_ROLE 8      /* link components per role tracked in link_matched */
#define LM_CODEC 0         /* bit of codecs[i]: LM_CODEC + i, platforms[i]: LM_PLATFORM + i, ... */
#define LM_PLATFORM 8
#define LM_CPU 16
#define RP_EPROBE_DEFER 517

static __always_inline int on_add_pcm_runtime(struct snd_soc_card *card, struct snd_soc_dai_link *link)
{
	struct task_ctx *t = task_get(false);
	if (!t || !t->card_dev)
		return 0;
	t->link_matched = 0;
	t->link_state = BPF_CORE_READ(card, add_dai_link) ? LS_CARD_HOOK : 0;
	t->link_name = (u64)BPF_CORE_READ(link, name);
	t->link_cpus = (u64)BPF_CORE_READ(link, cpus);
	t->n_cpus = BPF_CORE_READ(link, num_cpus);
	t->link_codecs = (u64)BPF_CORE_READ(link, codecs);
	t->n_codecs = BPF_CORE_READ(link, num_codecs);
	t->link_platforms = (u64)BPF_CORE_READ(link, platforms);
	t->n_platforms = BPF_CORE_READ(link, num_platforms);
	return 0;
}

static __always_inline bool in_array(u64 p, u64 base, u32 n, u64 sz)
{
	return sz && base && p >= base && p < base + (u64)n * sz;
}

/* snd_soc_find_dai() or soc_find_component() found nothing while a card
 * binds: the bind will defer ("ASoC: CPU DAI %s not registered", "ASoC:
 * platform component %s not found for link %s", ...; dev_info/dev_dbg only). */
static __always_inline int asoc_missing(struct task_ctx *t, struct snd_soc_dai_link_component *dlc, bool component)
{
	t->link_state |= LS_REPORTED;
	struct rp_event *e = ev_new(RP_ASOC_MISSING);
	if (!e)
		return 0;
	read_dev(e, (const struct device *)t->card_dev);
	const char *n = component ? 0 : BPF_CORE_READ(dlc, dai_name);
	if (!n)
		n = BPF_CORE_READ(dlc, name);
	put_str(e, RP_S_STR, n, RP_STR_LEN);
	put_str(e, RP_S_DRV, (const char *)t->link_name, RP_NAME_LEN);
	u64 sz = bpf_core_type_size(struct snd_soc_dai_link_component);
	u64 d = (u64)dlc;
	if (in_array(d, t->link_cpus, t->n_cpus, sz))
		e->flags |= RP_F_LINK_CPU;
	else if (in_array(d, t->link_codecs, t->n_codecs, sz))
		e->flags |= RP_F_LINK_CODEC;
	else if (in_array(d, t->link_platforms, t->n_platforms, sz))
		e->flags |= RP_F_LINK_PLATFORM;
	if (component)
		e->flags |= RP_F_COMPONENT;
	ev_submit(e);
	return 0;
}

static __always_inline int on_find_done(struct snd_soc_dai_link_component *dlc, u64 ret, bool component)
{
	if (ret || !dlc)
		return 0;
	struct task_ctx *t = task_get(false);
	if (!t || !t->card_dev)
		return 0;
	return asoc_missing(t, dlc, component);
}

/* Kernels that inline soc_find_component() (6.12): soc_dai_link_sanity_check(),
 * inlined into snd_soc_add_pcm_runtime() too, looks up the component of each
 * codec, then each platform, then each CPU that names one (name, of_node or
 * dai_args), calling the out-of-line snd_soc_is_matching_component(dlc,
 * component) for every registered component until one matches, and returns
 * -EPROBE_DEFER at the first link component nothing matched. The matcher's exit
 * marks the link components that matched; the runtime's -EPROBE_DEFER return
 * names the first one in that order left unmarked, as soc_find_component()'s
 * NULL does where it is out of line. Undecided (nothing written) when a role has
 * more than LM_PER_ROLE components or when the card's add_dai_link callback may
 * have failed before any lookup ran. */
static __always_inline int role_bit(u64 d, u64 base, u32 n, u64 sz, int first)
{
	if (!in_array(d, base, n, sz))
		return -2; /* not in this role's array */
	u64 i = (d - base) / sz;
	return i < LM_PER_ROLE ? first + (int)i : -1;
}

/* The link_matched bit of link component `d`, -1 if it is not tracked. */
static __always_inline int link_role_bit(struct task_ctx *t, u64 d)
{
	u64 sz = bpf_core_type_size(struct snd_soc_dai_link_component);
	int b = role_bit(d, t->link_codecs, t->n_codecs, sz, LM_CODEC);
	if (b == -2)
		b = role_bit(d, t->link_platforms, t->n_platforms, sz, LM_PLATFORM);
	if (b == -2)
		b = role_bit(d, t->link_cpus, t->n_cpus, sz, LM_CPU);
	return b;
}

static __always_inline int on_match_done(struct snd_soc_dai_link_component *dlc, long ret)
{
	struct task_ctx *t = task_get(false);
	if (!t || !t->card_dev || !t->link_name)
		return 0;
	t->link_state |= LS_MATCHED;
	if ((int)ret == 0)
		return 0;
	int bit = link_role_bit(t, (u64)dlc);
	if (bit >= 0 && bit < 32)
		t->link_matched |= 1u << bit;
	return 0;
}

/* 0: the role's components all matched, 1: dlc_out is the first unmatched,
 * -1: undecided (too many to track). */
static __always_inline int first_unmatched(struct task_ctx *t, u64 base, u32 n, u32 first_bit, bool cpus,
					   u64 *dlc_out)
{
	u64 sz = bpf_core_type_size(struct snd_soc_dai_link_component);
	for (u32 i = 0; i < LM_PER_ROLE; i++) {
		if (i >= n)
			return 0;
		u64 d = base + (u64)i * sz;
		if (cpus) {
			struct snd_soc_dai_link_component *c = (void *)d;
			bool names = BPF_CORE_READ(c, name) || BPF_CORE_READ(c, of_node);
			if (!names && bpf_core_field_exists(c->dai_args))
				names = BPF_CORE_READ(c, dai_args) != 0;
			if (!names)
				continue; /* a CPU given by DAI name only: no component lookup */
		}
		if (!(t->link_matched & (1u << ((first_bit + i) & 31)))) {
			*dlc_out = d;
			return 1;
		}
	}
	return n > LM_PER_ROLE ? -1 : 0;
}

static __always_inline int on_add_pcm_runtime_done(long ret)
{
	if ((int)ret != -RP_EPROBE_DEFER)
		return 0;
	struct task_ctx *t = task_get(false);
	if (!t || !t->card_dev || !t->link_name)
		return 0;
	u32 st = t->link_state;
	if (st & LS_REPORTED)
		return 0; /* a DAI lookup (snd_soc_find_dai) already said what is missing */
	if (!(st & LS_MATCHED) && (st & LS_CARD_HOOK))
		return 0; /* no lookup ran: the card's add_dai_link may have deferred */
	u64 d = 0;
	int r = first_unmatched(t, t->link_codecs, t->n_codecs, LM_CODEC, false, &d);
	if (r == 0)
		r = first_unmatched(t, t->link_platforms, t->n_platforms, LM_PLATFORM, false, &d);
	if (r == 0)
		r = first_unmatched(t, t->link_cpus, t->n_cpus, LM_CPU, true, &d);
	if (r != 1 || !d)
		return 0;
	return asoc_missing(t, (struct snd_soc_dai_link_component *)d, true);
}

static __always_inline int on_snd_card_register(struct snd_card *card, long ret)
{
	if ((int)ret != 0 || !card)
		return 0;
	struct rp_event *e = ev_new(RP_SND_CARD_REGISTER);
	if (!e)
		return 0;
	read_dev(e, BPF_CORE_READ(card, dev));
	e->ret = BPF_CORE_READ(card, number);
	put_str(e, RP_S_STR, __builtin_preserve_access_index(&card->id), 16);
	ev_submit(e);
	return 0;
}

/* ------------------------------ programs -------------------------------- */

/* really_probe(struct device *dev, struct device_driver *drv) */
SEC("fentry/really_probe")
int BPF_PROG(fe_really_probe, struct device *dev, struct device_driver *drv)
{
	return on_probe_start(dev, drv);
}
SEC("fexit/really_probe")
int BPF_PROG(fx_really_probe, struct device *dev, struct device_driver *drv, int ret)
{
	return on_probe_end(dev, drv, ret);
}
SEC("kprobe/really_probe")
int BPF_KPROBE(kp_really_probe, struct device *dev, struct device_driver *drv)
{
	stash_push(H_REALLY_PROBE, (u64)dev, (u64)drv, 0);
	return on_probe_start(dev, drv);
}
SEC("kretprobe/really_probe")
int BPF_KRETPROBE(kr_really_probe, long ret)
{
	struct stash_val v;
	if (!stash_pop(H_REALLY_PROBE, &v))
		return 0;
	return on_probe_end((struct device *)v.a0, (struct device_driver *)v.a1, ret);
}

/* driver_bound(struct device *dev) */
SEC("fentry/driver_bound")
int BPF_PROG(fe_driver_bound, struct device *dev)
{
	return on_bound(dev);
}
SEC("fexit/driver_bound")
int BPF_PROG(fx_driver_bound, struct device *dev)
{
	return on_bound_exit();
}
SEC("kprobe/driver_bound")
int BPF_KPROBE(kp_driver_bound, struct device *dev)
{
	return on_bound(dev);
}
SEC("kretprobe/driver_bound")
int BPF_KRETPROBE(kr_driver_bound)
{
	return on_bound_exit();
}

/* driver_deferred_probe_add(struct device *dev) (+ .part.N clone: same first argument) */
SEC("fentry/driver_deferred_probe_add")
int BPF_PROG(fe_defer_add, struct device *dev)
{
	return on_defer_add(dev);
}
SEC("kprobe/driver_deferred_probe_add")
int BPF_KPROBE(kp_defer_add, struct device *dev)
{
	return on_defer_add(dev);
}

/* driver_deferred_probe_del(struct device *dev) */
SEC("fentry/driver_deferred_probe_del")
int BPF_PROG(fe_defer_del, struct device *dev)
{
	return on_defer_del(dev);
}
SEC("kprobe/driver_deferred_probe_del")
int BPF_KPROBE(kp_defer_del, struct device *dev)
{
	return on_defer_del(dev);
}

/* driver_deferred_probe_trigger(void) (+ .part.N clone) */
SEC("fentry/driver_deferred_probe_trigger")
int BPF_PROG(fe_trigger)
{
	return on_trigger();
}
SEC("kprobe/driver_deferred_probe_trigger")
int BPF_KPROBE(kp_trigger)
{
	return on_trigger();
}

/* device_set_deferred_probe_reason(const struct device *dev, struct va_format *vaf) */
SEC("fexit/device_set_deferred_probe_reason")
int BPF_PROG(fx_defer_reason, const struct device *dev, struct va_format *vaf)
{
	return on_reason(dev);
}
SEC("kprobe/device_set_deferred_probe_reason")
int BPF_KPROBE(kp_defer_reason, const struct device *dev)
{
	stash_push(H_REASON, (u64)dev, 0, 0);
	return 0;
}
SEC("kretprobe/device_set_deferred_probe_reason")
int BPF_KRETPROBE(kr_defer_reason)
{
	struct stash_val v;
	if (!stash_pop(H_REASON, &v))
		return 0;
	return on_reason((const struct device *)v.a0);
}

/* deferred_probe_work_func(struct work_struct *work) */
SEC("fentry/deferred_probe_work_func")
int BPF_PROG(fe_dwork, struct work_struct *work)
{
	return on_simple(RP_DWORK_START);
}
SEC("fexit/deferred_probe_work_func")
int BPF_PROG(fx_dwork, struct work_struct *work)
{
	return on_simple(RP_DWORK_END);
}
SEC("kprobe/deferred_probe_work_func")
int BPF_KPROBE(kp_dwork)
{
	return on_simple(RP_DWORK_START);
}
SEC("kretprobe/deferred_probe_work_func")
int BPF_KRETPROBE(kr_dwork)
{
	return on_simple(RP_DWORK_END);
}

/* deferred_probe_timeout_work_func(struct work_struct *work) */
SEC("fentry/deferred_probe_timeout_work_func")
int BPF_PROG(fe_timeout_work, struct work_struct *work)
{
	return on_timeout_work(true);
}
SEC("fexit/deferred_probe_timeout_work_func")
int BPF_PROG(fx_timeout_work, struct work_struct *work)
{
	return on_timeout_work(false);
}
SEC("kprobe/deferred_probe_timeout_work_func")
int BPF_KPROBE(kp_timeout_work)
{
	return on_timeout_work(true);
}
SEC("kretprobe/deferred_probe_timeout_work_func")
int BPF_KRETPROBE(kr_timeout_work)
{
	return on_timeout_work(false);
}

/* deferred_probe_extend_timeout(void) (>= 5.19) */
SEC("fentry/deferred_probe_extend_timeout")
int BPF_PROG(fe_extend_timeout)
{
	return on_extend_timeout();
}
SEC("kprobe/deferred_probe_extend_timeout")
int BPF_KPROBE(kp_extend_timeout)
{
	return on_extend_timeout();
}

/* device_add(struct device *dev) / device_del(struct device *dev) */
SEC("fentry/device_add")
int BPF_PROG(fe_device_add, struct device *dev)
{
	return on_device_add(dev);
}
SEC("kprobe/device_add")
int BPF_KPROBE(kp_device_add, struct device *dev)
{
	return on_device_add(dev);
}
SEC("fentry/device_del")
int BPF_PROG(fe_device_del, struct device *dev)
{
	return on_device_del(dev);
}
SEC("kprobe/device_del")
int BPF_KPROBE(kp_device_del, struct device *dev)
{
	return on_device_del(dev);
}

/* driver_register / driver_unregister(struct device_driver *drv) */
SEC("fentry/driver_register")
int BPF_PROG(fe_driver_register, struct device_driver *drv)
{
	return on_driver_register(drv, true);
}
SEC("kprobe/driver_register")
int BPF_KPROBE(kp_driver_register, struct device_driver *drv)
{
	return on_driver_register(drv, true);
}
SEC("fentry/driver_unregister")
int BPF_PROG(fe_driver_unregister, struct device_driver *drv)
{
	return on_driver_register(drv, false);
}
SEC("kprobe/driver_unregister")
int BPF_KPROBE(kp_driver_unregister, struct device_driver *drv)
{
	return on_driver_register(drv, false);
}

/* device_release_driver_internal(struct device *dev, struct device_driver *drv, struct device *parent) */
SEC("fentry/device_release_driver_internal")
int BPF_PROG(fe_unbind, struct device *dev, struct device_driver *drv)
{
	return on_unbind(dev, drv);
}
SEC("kprobe/device_release_driver_internal")
int BPF_KPROBE(kp_unbind, struct device *dev, struct device_driver *drv)
{
	return on_unbind(dev, drv);
}

/* device_link_add(struct device *consumer, struct device *supplier, u32 flags) */
SEC("fexit/device_link_add")
int BPF_PROG(fx_device_link, struct device *consumer, struct device *supplier, u32 flags,
	     struct device_link *link)
{
	return on_device_link(consumer, supplier, link);
}
SEC("kprobe/device_link_add")
int BPF_KPROBE(kp_device_link, struct device *consumer, struct device *supplier)
{
	stash_push(H_DEVICE_LINK, (u64)consumer, (u64)supplier, 0);
	return 0;
}
SEC("kretprobe/device_link_add")
int BPF_KRETPROBE(kr_device_link, struct device_link *link)
{
	struct stash_val v;
	if (!stash_pop(H_DEVICE_LINK, &v))
		return 0;
	return on_device_link((struct device *)v.a0, (struct device *)v.a1, link);
}

/* device_unblock_probing(void): dpm_complete() after resume */
SEC("fentry/device_unblock_probing")
int BPF_PROG(fe_resume)
{
	return on_resume();
}
SEC("kprobe/device_unblock_probing")
int BPF_KPROBE(kp_resume)
{
	return on_resume();
}

/* request_firmware(const struct firmware **fw, const char *name, struct device *dev) */
SEC("fentry/request_firmware")
int BPF_PROG(fe_fw_sync, const struct firmware **fw, const char *name, struct device *dev)
{
	stash_push(H_FW_SYNC, on_fw_sync(name, dev), 0, 0);
	return 0;
}
SEC("fexit/request_firmware")
int BPF_PROG(fx_fw_sync, const struct firmware **fw, const char *name, struct device *dev, int ret)
{
	struct stash_val v;
	if (stash_pop(H_FW_SYNC, &v))
		on_fw_sync_done(v.a0, ret);
	return 0;
}
SEC("kprobe/request_firmware")
int BPF_KPROBE(kp_fw_sync, const struct firmware **fw, const char *name, struct device *dev)
{
	stash_push(H_FW_SYNC, on_fw_sync(name, dev), 0, 0);
	return 0;
}
SEC("kretprobe/request_firmware")
int BPF_KRETPROBE(kr_fw_sync, long ret)
{
	struct stash_val v;
	if (stash_pop(H_FW_SYNC, &v))
		on_fw_sync_done(v.a0, ret);
	return 0;
}

/* firmware_request_nowarn(): same signature and meaning (sync) */
SEC("fentry/firmware_request_nowarn")
int BPF_PROG(fe_fw_nowarn, const struct firmware **fw, const char *name, struct device *dev)
{
	stash_push(H_FW_SYNC, on_fw_sync(name, dev), 0, 0);
	return 0;
}
SEC("fexit/firmware_request_nowarn")
int BPF_PROG(fx_fw_nowarn, const struct firmware **fw, const char *name, struct device *dev, int ret)
{
	struct stash_val v;
	if (stash_pop(H_FW_SYNC, &v))
		on_fw_sync_done(v.a0, ret);
	return 0;
}
SEC("kprobe/firmware_request_nowarn")
int BPF_KPROBE(kp_fw_nowarn, const struct firmware **fw, const char *name, struct device *dev)
{
	stash_push(H_FW_SYNC, on_fw_sync(name, dev), 0, 0);
	return 0;
}
SEC("kretprobe/firmware_request_nowarn")
int BPF_KRETPROBE(kr_fw_nowarn, long ret)
{
	struct stash_val v;
	if (stash_pop(H_FW_SYNC, &v))
		on_fw_sync_done(v.a0, ret);
	return 0;
}

/* request_firmware_nowait(struct module *module, bool uevent, const char *name,
 *     struct device *device, gfp_t gfp, void *context, void (*cont)(...)): 7 arguments,
 * fentry only >= 6.6; the kprobe reads the 7th from the stack. */
SEC("fentry/request_firmware_nowait")
int BPF_PROG(fe_fw_nowait, struct module *module, bool uevent, const char *name, struct device *device,
	     gfp_t gfp, void *context, void *cont)
{
	return on_fw_nowait(name, device, context, cont);
}
SEC("kprobe/request_firmware_nowait")
int BPF_KPROBE(kp_fw_nowait, struct module *module, bool uevent, const char *name, struct device *device)
{
	void *cont = 0;
	void *context = (void *)ctx->r9; /* 6th argument (x86-64 SysV) */
	unsigned long sp = PT_REGS_SP(ctx);
	/* at function entry *sp is the return address; stack arguments follow */
	bpf_probe_read_kernel(&cont, sizeof(cont), (const void *)(sp + 8));
	return on_fw_nowait(name, device, context, cont);
}

/* request_firmware_work_func(struct work_struct *work): async request + callback */
SEC("fentry/request_firmware_work_func")
int BPF_PROG(fe_fw_work, struct work_struct *work)
{
	return on_fw_work_start(work);
}
SEC("fexit/request_firmware_work_func")
int BPF_PROG(fx_fw_work, struct work_struct *work)
{
	return on_fw_work_end();
}
SEC("kprobe/request_firmware_work_func")
int BPF_KPROBE(kp_fw_work, struct work_struct *work)
{
	return on_fw_work_start(work);
}
SEC("kretprobe/request_firmware_work_func")
int BPF_KRETPROBE(kr_fw_work)
{
	return on_fw_work_end();
}

/* _request_firmware(...): 7 arguments; only its return value inside the work matters */
SEC("fexit/_request_firmware")
int BPF_PROG(fx_rfw, void *fw, const char *name, struct device *dev, void *buf, size_t size, size_t offset,
	     u32 opt_flags, int ret)
{
	return on_fw_loaded(ret);
}
SEC("kretprobe/_request_firmware")
int BPF_KRETPROBE(kr_rfw, long ret)
{
	return on_fw_loaded(ret);
}

/* do_init_module(struct module *mod) */
SEC("fentry/do_init_module")
int BPF_PROG(fe_init_module, struct module *mod)
{
	return on_init_module(mod);
}
SEC("fexit/do_init_module")
int BPF_PROG(fx_init_module, struct module *mod, int ret)
{
	return on_init_module_done(ret);
}
SEC("kprobe/do_init_module")
int BPF_KPROBE(kp_init_module, struct module *mod)
{
	return on_init_module(mod);
}
SEC("kretprobe/do_init_module")
int BPF_KRETPROBE(kr_init_module, long ret)
{
	return on_init_module_done(ret);
}

/* sound: snd_soc_add_component(component, dai_drv, num_dai) [snd_soc_core] */
SEC("fentry/snd_soc_add_component")
int BPF_PROG(fe_component_add, struct snd_soc_component *c, struct snd_soc_dai_driver *dd, int num)
{
	return on_component_add(c, dd, num);
}
SEC("kprobe/snd_soc_add_component")
int BPF_KPROBE(kp_component_add, struct snd_soc_component *c, struct snd_soc_dai_driver *dd, int num)
{
	return on_component_add(c, dd, num);
}

/* snd_soc_del_component_unlocked(component) [snd_soc_core, static] */
SEC("fentry/snd_soc_del_component_unlocked")
int BPF_PROG(fe_component_del, struct snd_soc_component *c)
{
	return on_component_del(c);
}
SEC("kprobe/snd_soc_del_component_unlocked")
int BPF_KPROBE(kp_component_del, struct snd_soc_component *c)
{
	return on_component_del(c);
}

/* snd_soc_register_card(card) [snd_soc_core]; devm_snd_soc_register_card calls it */
SEC("fentry/snd_soc_register_card")
int BPF_PROG(fe_card_bind, struct snd_soc_card *card)
{
	return on_card_bind(card, true, 0);
}
SEC("fexit/snd_soc_register_card")
int BPF_PROG(fx_card_bind, struct snd_soc_card *card, int ret)
{
	return on_card_bind(card, false, ret);
}
SEC("kprobe/snd_soc_register_card")
int BPF_KPROBE(kp_card_bind, struct snd_soc_card *card)
{
	stash_push(H_CARD, (u64)card, 0, 0);
	return on_card_bind(card, true, 0);
}
SEC("kretprobe/snd_soc_register_card")
int BPF_KRETPROBE(kr_card_bind, long ret)
{
	struct stash_val v;
	if (!stash_pop(H_CARD, &v))
		return 0;
	return on_card_bind((struct snd_soc_card *)v.a0, false, ret);
}

/* snd_soc_add_pcm_runtime(card, dai_link) [snd_soc_core, exported <= 6.1, static later] */
SEC("fentry/snd_soc_add_pcm_runtime")
int BPF_PROG(fe_add_pcm_runtime, struct snd_soc_card *card, struct snd_soc_dai_link *link)
{
	return on_add_pcm_runtime(card, link);
}
SEC("kprobe/snd_soc_add_pcm_runtime")
int BPF_KPROBE(kp_add_pcm_runtime, struct snd_soc_card *card, struct snd_soc_dai_link *link)
{
	return on_add_pcm_runtime(card, link);
}

/* Its -EPROBE_DEFER return: which component the link check missed, on kernels
 * that inline soc_find_component() (see on_add_pcm_runtime_done). */
SEC("fexit/snd_soc_add_pcm_runtime")
int BPF_PROG(fx_add_pcm_runtime, struct snd_soc_card *card, struct snd_soc_dai_link *link, int ret)
{
	return on_add_pcm_runtime_done(ret);
}
SEC("kretprobe/snd_soc_add_pcm_runtime")
int BPF_KRETPROBE(kr_add_pcm_runtime, long ret)
{
	return on_add_pcm_runtime_done(ret);
}

/* static int snd_soc_is_matching_component(const struct snd_soc_dai_link_component *dlc,
 *                                          struct snd_soc_component *component) [snd_soc_core] */
SEC("fexit/snd_soc_is_matching_component")
int BPF_PROG(fx_match_component, struct snd_soc_dai_link_component *dlc, struct snd_soc_component *component,
	     int ret)
{
	return on_match_done(dlc, ret);
}
SEC("kprobe/snd_soc_is_matching_component")
int BPF_KPROBE(kp_match_component, struct snd_soc_dai_link_component *dlc)
{
	struct task_ctx *t = task_get(false);
	if (t && t->card_dev)
		stash_push(H_MATCH_COMPONENT, (u64)dlc, 0, 0);
	return 0;
}
SEC("kretprobe/snd_soc_is_matching_component")
int BPF_KRETPROBE(kr_match_component, long ret)
{
	struct task_ctx *t = task_get(false);
	if (!t || !t->card_dev)
		return 0;
	struct stash_val v;
	if (!stash_pop(H_MATCH_COMPONENT, &v))
		return 0;
	return on_match_done((struct snd_soc_dai_link_component *)v.a0, ret);
}

/* struct snd_soc_dai *snd_soc_find_dai(const struct snd_soc_dai_link_component *dlc) [snd_soc_core] */
SEC("fexit/snd_soc_find_dai")
int BPF_PROG(fx_find_dai, struct snd_soc_dai_link_component *dlc, void *ret)
{
	return on_find_done(dlc, (u64)ret, false);
}
SEC("kprobe/snd_soc_find_dai")
int BPF_KPROBE(kp_find_dai, struct snd_soc_dai_link_component *dlc)
{
	struct task_ctx *t = task_get(false);
	if (t && t->card_dev)
		stash_push(H_FIND_DAI, (u64)dlc, 0, 0);
	return 0;
}
SEC("kretprobe/snd_soc_find_dai")
int BPF_KRETPROBE(kr_find_dai, void *ret)
{
	struct task_ctx *t = task_get(false);
	if (!t || !t->card_dev)
		return 0;
	struct stash_val v;
	if (!stash_pop(H_FIND_DAI, &v))
		return 0;
	return on_find_done((struct snd_soc_dai_link_component *)v.a0, (u64)ret, false);
}

/* static struct snd_soc_component *soc_find_component(const struct snd_soc_dai_link_component *dlc) */
SEC("fexit/soc_find_component")
int BPF_PROG(fx_find_component, struct snd_soc_dai_link_component *dlc, void *ret)
{
	return on_find_done(dlc, (u64)ret, true);
}
SEC("kprobe/soc_find_component")
int BPF_KPROBE(kp_find_component, struct snd_soc_dai_link_component *dlc)
{
	struct task_ctx *t = task_get(false);
	if (t && t->card_dev)
		stash_push(H_FIND_COMPONENT, (u64)dlc, 0, 0);
	return 0;
}
SEC("kretprobe/soc_find_component")
int BPF_KRETPROBE(kr_find_component, void *ret)
{
	struct task_ctx *t = task_get(false);
	if (!t || !t->card_dev)
		return 0;
	struct stash_val v;
	if (!stash_pop(H_FIND_COMPONENT, &v))
		return 0;
	return on_find_done((struct snd_soc_dai_link_component *)v.a0, (u64)ret, true);
}

/* snd_card_register(card) [snd] */
SEC("fexit/snd_card_register")
int BPF_PROG(fx_snd_card, struct snd_card *card, int ret)
{
	return on_snd_card_register(card, ret);
}
SEC("kprobe/snd_card_register")
int BPF_KPROBE(kp_snd_card, struct snd_card *card)
{
	stash_push(H_SND_CARD, (u64)card, 0, 0);
	return 0;
}
SEC("kretprobe/snd_card_register")
int BPF_KRETPROBE(kr_snd_card, long ret)
{
	struct stash_val v;
	if (!stash_pop(H_SND_CARD, &v))
		return 0;
	return on_snd_card_register((struct snd_card *)v.a0, ret);
}

/* ---------------------------- async probing ----------------------------- */

/* drivers/base/dd.c (static, run by async_run_entry_fn on an unbound kworker):
 *   __driver_attach_async_helper(void *dev, async_cookie_t)  driver_register() ->
 *       __driver_attach() of a driver that probes asynchronously;
 *   __device_attach_async_helper(void *dev, async_cookie_t)  device_add() ->
 *       __device_attach() second pass for an async driver that matched.
 * While one runs, the task remembers the device it probes: a really_probe()
 * of that device on this task is the helper's own probe (RP_PROBE_START gets
 * RP_F_ASYNC). Probes nested in it (a child device added by the probe) are
 * synchronous calls from that probe and are not flagged. No record of their
 * own: the flag is the whole output. */
static __always_inline int on_async_helper(void *dev, bool entry)
{
	struct task_ctx *t = task_get(entry);
	if (t)
		t->async_dev = entry ? (u64)dev : 0;
	return 0;
}

SEC("fentry/__driver_attach_async_helper")
int BPF_PROG(fe_async_driver_attach, void *dev, u64 cookie)
{
	return on_async_helper(dev, true);
}
SEC("fexit/__driver_attach_async_helper")
int BPF_PROG(fx_async_driver_attach, void *dev, u64 cookie)
{
	return on_async_helper(dev, false);
}
SEC("kprobe/__driver_attach_async_helper")
int BPF_KPROBE(kp_async_driver_attach, void *dev)
{
	return on_async_helper(dev, true);
}
SEC("kretprobe/__driver_attach_async_helper")
int BPF_KRETPROBE(kr_async_driver_attach)
{
	return on_async_helper(0, false);
}

SEC("fentry/__device_attach_async_helper")
int BPF_PROG(fe_async_device_attach, void *dev, u64 cookie)
{
	return on_async_helper(dev, true);
}
SEC("fexit/__device_attach_async_helper")
int BPF_PROG(fx_async_device_attach, void *dev, u64 cookie)
{
	return on_async_helper(dev, false);
}
SEC("kprobe/__device_attach_async_helper")
int BPF_KPROBE(kp_async_device_attach, void *dev)
{
	return on_async_helper(dev, true);
}
SEC("kretprobe/__device_attach_async_helper")
int BPF_KRETPROBE(kr_async_device_attach)
{
	return on_async_helper(0, false);
}

/* --------------------------- tracepoints ------------------------------- */

static __always_inline void read_data_loc(struct rp_event *e, void *ctx, u32 loc)
{
	put_str(e, RP_S_STR, (char *)ctx + (loc & 0xffff), RP_STR_LEN);
}

SEC("tracepoint/module/module_load")
int tp_module_load(struct trace_event_raw_module_load *ctx)
{
	bump_module_gen();
	struct rp_event *e = ev_new(RP_MODULE_LOAD);
	if (!e)
		return 0;
	read_data_loc(e, ctx, ctx->__data_loc_name);
	ev_submit(e);
	return 0;
}

SEC("tracepoint/module/module_free")
int tp_module_free(struct trace_event_raw_module_free *ctx)
{
	bump_module_gen();
	struct rp_event *e = ev_new(RP_MODULE_FREE);
	if (!e)
		return 0;
	read_data_loc(e, ctx, ctx->__data_loc_name);
	ev_submit(e);
	return 0;
}

SEC("tracepoint/module/module_request")
int tp_module_request(struct trace_event_raw_module_request *ctx)
{
	struct rp_event *e = ev_new(RP_MODULE_REQUEST);
	if (!e)
		return 0;
	read_data_loc(e, ctx, ctx->__data_loc_name);
	if (ctx->wait)
		e->flags |= RP_F_WAIT;
	e->ptr = ctx->ip;
	ev_submit(e);
	return 0;
}

SEC("tracepoint/workqueue/workqueue_queue_work")
int tp_work_queue(struct trace_event_raw_workqueue_queue_work *ctx)
{
	u64 work = (u64)ctx->work;
	u64 func = (u64)ctx->function;
	bool track = cfg_work_all;
	if (!track) {
		struct task_ctx *t = task_get(false);
		if (t && (t->probe || t->bound || t->fw_work || t->work))
			track = true;
	}
	if (!track && bpf_map_lookup_elem(&work_funcs, &func))
		track = true;
	u32 *st = bpf_map_lookup_elem(&works, &work);
	if (!track && !st && work_by_name(func))
		track = true;
	if (!track && !st)
		return 0;
	u32 nst = WORK_QUEUED;
	if (st && (*st == WORK_RUNNING || *st == WORK_RUNNING_REQUEUED))
		nst = WORK_RUNNING_REQUEUED;
	bpf_map_update_elem(&works, &work, &nst, BPF_ANY);
	struct rp_event *e = ev_new(RP_WORK_QUEUE);
	if (!e)
		return 0;
	e->ptr = work;
	e->aux = func;
	put_sym(e, func);
	ev_submit(e);
	return 0;
}

SEC("tracepoint/workqueue/workqueue_execute_start")
int tp_work_start(struct trace_event_raw_workqueue_execute_start *ctx)
{
	u64 work = (u64)ctx->work;
	u32 *st = bpf_map_lookup_elem(&works, &work);
	if (!st)
		return 0;
	u32 nst = WORK_RUNNING;
	bpf_map_update_elem(&works, &work, &nst, BPF_ANY);
	struct task_ctx *t = task_get(true);
	if (t)
		t->work = work;
	struct rp_event *e = ev_new(RP_WORK_START);
	if (!e)
		return 0;
	e->ptr = work;
	e->aux = (u64)ctx->function;
	put_sym(e, e->aux);
	ev_submit(e);
	return 0;
}

SEC("tracepoint/workqueue/workqueue_execute_end")
int tp_work_end(struct trace_event_raw_workqueue_execute_end *ctx)
{
	u64 work = (u64)ctx->work;
	struct task_ctx *t = task_get(false);
	if (!t || t->work != work)
		return 0;
	t->work = 0;
	u32 *st = bpf_map_lookup_elem(&works, &work);
	if (st && *st == WORK_RUNNING_REQUEUED) {
		u32 nst = WORK_QUEUED;
		bpf_map_update_elem(&works, &work, &nst, BPF_ANY);
	} else {
		bpf_map_delete_elem(&works, &work);
	}
	struct rp_event *e = ev_new(RP_WORK_END);
	if (!e)
		return 0;
	e->ptr = work;
	ev_submit(e);
	return 0;
}
