/* SPDX-License-Identifier: GPL-2.0-only */
/* Minimal CO-RE header for bpf/reprobe.bpf.c: only the kernel types and
 * fields the tracer reads, each struct marked preserve_access_index so libbpf
 * relocates field offsets against the running kernel's BTF (vmlinux and, for
 * the sound structs, the module BTF of snd / snd_soc_core). Field order and
 * sizes here do not matter; names and kinds must match the kernel's. This
 * header deliberately does not depend on the build host's kernel. */
#ifndef __VMLINUX_H__
#define __VMLINUX_H__ /* tells bpf_tracing.h to use the kernel's pt_regs names */

typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __s8 s8;
typedef __u8 u8;
typedef __s16 s16;
typedef __u16 u16;
typedef __s32 s32;
typedef __u32 u32;
typedef __s64 s64;
typedef __u64 u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;
#define true 1
#define false 0
typedef unsigned long size_t;
typedef unsigned int gfp_t;

/* uapi/linux/bpf.h values used by the map definitions (stable ABI). */
enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_RINGBUF = 27,
};
enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
	BPF_EXIST = 2,
};
enum rc_proto { RC_PROTO_UNKNOWN = 0 }; /* referenced by bpf_helper_defs.h */

/* x86-64 kernel pt_regs (kprobe context); layout is ABI on x86-64. */
struct pt_regs {
	unsigned long r15;
	unsigned long r14;
	unsigned long r13;
	unsigned long r12;
	unsigned long bp;
	unsigned long bx;
	unsigned long r11;
	unsigned long r10;
	unsigned long r9;
	unsigned long r8;
	unsigned long ax;
	unsigned long cx;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long orig_ax;
	unsigned long ip;
	unsigned long cs;
	unsigned long flags;
	unsigned long sp;
	unsigned long ss;
};

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

typedef struct {
	int counter;
} atomic_t;

typedef struct {
	s64 counter;
} atomic64_t;

typedef atomic64_t atomic_long_t;

struct list_head {
	struct list_head *next;
	struct list_head *prev;
};

struct kobject {
	const char *name;
};

struct module {
	char name[56];
	bool async_probe_requested; /* module parameter async_probe */
};

struct bus_type {
	const char *name;
};

enum probe_type {
	PROBE_DEFAULT_STRATEGY = 0,
	PROBE_PREFER_ASYNCHRONOUS = 1,
	PROBE_FORCE_SYNCHRONOUS = 2,
};

struct device_driver {
	const char *name;
	struct bus_type *bus;
	struct module *owner;
	enum probe_type probe_type;
};

/* drivers/base/base.h (internal, but present in vmlinux BTF) */
struct device_private {
	struct list_head deferred_probe;
	char *deferred_probe_reason;
};

struct device {
	struct kobject kobj;
	struct device *parent;
	struct device_private *p;
	const char *init_name;
	struct bus_type *bus;
	struct device_driver *driver;
};

/* drivers/base/core.c: a managed or stateless link between two devices */
struct device_link {
	struct device *supplier;
	struct device *consumer;
	u32 flags;
};

struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);

struct work_struct {
	atomic_long_t data;
	struct list_head entry;
	work_func_t func;
};

struct delayed_work {
	struct work_struct work;
};

struct firmware;
struct va_format;

/* drivers/base/firmware_loader/main.c */
struct firmware_work {
	struct work_struct work;
	struct module *module;
	const char *name;
	struct device *device;
	void *context;
	void (*cont)(const struct firmware *fw, void *context);
};

/* sound (module BTF: snd_soc_core, snd) */
struct snd_soc_dai_driver {
	const char *name;
};

struct snd_soc_card;

struct snd_soc_component {
	const char *name;
	struct device *dev;
	struct snd_soc_card *card; /* the card that probed it (set by soc_probe_component) */
	int num_dai;
};

struct snd_soc_dai_link;

struct snd_soc_card {
	const char *name;
	struct device *dev;
	int (*add_dai_link)(struct snd_soc_card *card, struct snd_soc_dai_link *link);
};

struct device_node;
struct of_phandle_args;

struct snd_soc_dai_link_component {
	const char *name;
	struct device_node *of_node;            /* 5.x+ */
	const char *dai_name;
	const struct of_phandle_args *dai_args; /* 6.7+ */
};

struct snd_soc_dai_link {
	const char *name;
	struct snd_soc_dai_link_component *cpus;
	unsigned int num_cpus;
	struct snd_soc_dai_link_component *codecs;
	unsigned int num_codecs;
	struct snd_soc_dai_link_component *platforms;
	unsigned int num_platforms;
};

struct snd_card {
	int number;
	char id[16];
	struct device *dev;
};

/* classic tracepoint records (include/trace/events/{module,workqueue}.h) */
struct trace_entry {
	unsigned short type;
	unsigned char flags;
	unsigned char preempt_count;
	int pid;
};

struct trace_event_raw_module_load {
	struct trace_entry ent;
	unsigned int taints;
	u32 __data_loc_name;
};

struct trace_event_raw_module_free {
	struct trace_entry ent;
	u32 __data_loc_name;
};

struct trace_event_raw_module_request {
	struct trace_entry ent;
	unsigned long ip;
	bool wait;
	u32 __data_loc_name;
};

struct trace_event_raw_workqueue_queue_work {
	struct trace_entry ent;
	void *work;
	void *function;
};

struct trace_event_raw_workqueue_execute_start {
	struct trace_entry ent;
	void *work;
	void *function;
};

struct trace_event_raw_workqueue_execute_end {
	struct trace_entry ent;
	void *work;
};

#pragma clang attribute pop

#endif /* __VMLINUX_H__ */
