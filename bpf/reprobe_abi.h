/* SPDX-License-Identifier: GPL-2.0-only */
/* Raw records shared by bpf/reprobe.bpf.c and the userspace decoder
 * (tracer/ebpf/event_decoder.cpp). One BPF ring buffer carries variable-size
 * records: a fixed struct rp_event header, then only the strings actually
 * present, each as a tagged, length-prefixed item
 *     __u8 field (enum rp_field), __u8 len, char bytes[len]   (no NUL)
 * packed back to back up to rp_event.size. A bind event with device, bus and
 * driver names is ~130 bytes. Strings are truncated to their RP_*_LEN - 1.
 * Kernel pointers (dev, ptr, ptr2) are only used for correlation in userspace
 * and never written to a trace (KASLR). */
#ifndef REPROBE_ABI_H
#define REPROBE_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define RP_ABI_VERSION 4

#define RP_COMM_LEN 16
#define RP_NAME_LEN 64   /* device / parent / driver names */
#define RP_BUS_LEN 32
#define RP_STR_LEN 256   /* reason, firmware name, module name, component/card name */
#define RP_MAX_DAIS 16
#define RP_DAI_LEN 48
#define RP_SYM_LEN 128   /* kernel symbol as %ps prints it: "name" or "name [module]" */
#define RP_REC_MAX 2048 /* largest record (header + items); a full component_add is ~1.3 KiB */

enum rp_kind {
	RP_NONE = 0,
	RP_PROBE_START,      /* really_probe entry: dev, drv; flags RP_F_ASYNC */
	RP_PROBE_END,        /* really_probe exit: dev, drv, ret = raw really_probe return */
	RP_BOUND,            /* driver_bound: dev, drv */
	RP_UNBIND,           /* device_release_driver_internal with a driver: dev, drv */
	RP_DEFER_ADD,        /* driver_deferred_probe_add(.part.N): dev; flags RP_F_ON_LIST if already listed */
	RP_DEFER_DEL,        /* driver_deferred_probe_del: dev; flags RP_F_ON_LIST if it was listed */
	RP_DEFER_REASON,     /* device_set_deferred_probe_reason exit: dev, str = reason */
	RP_TRIGGER,          /* driver_deferred_probe_trigger(.part.N): aux = count after (if RP_F_COUNT), flags cause */
	RP_DWORK_START,      /* deferred_probe_work_func entry */
	RP_DWORK_END,        /* deferred_probe_work_func exit */
	RP_TIMEOUT_FIRED,    /* deferred_probe_timeout_work_func entry */
	RP_TIMEOUT_EXTENDED, /* deferred_probe_extend_timeout: ret = secs (if RP_F_COUNT) */
	RP_DEVICE_ADD,       /* device_add entry: dev, bus, parent */
	RP_DEVICE_DEL,       /* device_del entry: dev */
	RP_DRIVER_REGISTER,  /* driver_register entry: drv, bus, str = owner module; flags RP_F_ASYNC */
	RP_DRIVER_UNREGISTER,/* driver_unregister entry: drv */
	RP_FW_REQUEST,       /* request_firmware / firmware_request_nowarn entry (ptr = cookie), or
	                        request_firmware_nowait entry (flags RP_F_NOWAIT, ptr = cont, ptr2 = context):
	                        str = name, dev */
	RP_FW_SYNC_DONE,     /* request_firmware exit: ptr = cookie, ret */
	RP_FW_WORK_START,    /* request_firmware_work_func entry: ptr = fw_work, aux = cont, ptr2 = context, str = name, dev */
	RP_FW_LOADED,        /* _request_firmware exit inside the firmware work: ptr = fw_work, ret (callback starts) */
	RP_FW_WORK_END,      /* request_firmware_work_func exit: ptr = fw_work (callback returned) */
	RP_MODULE_REQUEST,   /* module:module_request: str = name, flags RP_F_WAIT, ptr = call site */
	RP_MODULE_LOAD,      /* module:module_load: str = module */
	RP_MODULE_INIT_DONE, /* do_init_module exit: str = module, ret */
	RP_MODULE_FREE,      /* module:module_free: str = module */
	RP_WORK_QUEUE,       /* workqueue:workqueue_queue_work: ptr = work, aux = function */
	RP_WORK_START,       /* workqueue:workqueue_execute_start: ptr = work, aux = function */
	RP_WORK_END,         /* workqueue:workqueue_execute_end: ptr = work */
	RP_COMPONENT_ADD,    /* snd_soc_add_component entry: str = name, dev, aux = num_dai, RP_S_DAI items */
	RP_COMPONENT_DEL,    /* snd_soc_del_component_unlocked entry: str = name, dev */
	RP_CARD_BIND_START,  /* snd_soc_register_card entry: dev = card->dev, str = card name */
	RP_CARD_BIND_END,    /* snd_soc_register_card exit: dev, ret */
	RP_SND_CARD_REGISTER,/* snd_card_register exit with ret 0: dev = card->dev, ret = index, str = id */
	RP_RESUME,           /* device_unblock_probing: probing unblocked (resume) */
	RP_ASOC_MISSING,     /* snd_soc_find_dai() / soc_find_component() == NULL while binding a card:
	                        dev = card->dev, str = DAI or component name, drv = dai_link name;
	                        flags RP_F_COMPONENT (else a DAI), RP_F_LINK_CPU/CODEC/PLATFORM */
	RP_DEVICE_LINK,      /* device_link_add exit with a link: dev = consumer, str = supplier name,
	                        aux = the link's DL_FLAG_* bits as device_link_add() left them */
	RP_KIND_MAX,
};

/* flags */
#define RP_F_ON_LIST 0x1        /* DEFER_ADD: device already on a deferred list (no-op add);
                                   DEFER_DEL: device was on a list (really removed) */
#define RP_F_ASYNC 0x2          /* DRIVER_REGISTER: probe_type == PROBE_PREFER_ASYNCHRONOUS, or the owner
                                   module was loaded with async_probe (not PROBE_FORCE_SYNCHRONOUS);
                                   PROBE_START: the probe of the device __driver_attach_async_helper /
                                   __device_attach_async_helper runs on this task */
#define RP_F_NOWAIT 0x4         /* FW_REQUEST: request_firmware_nowait */
#define RP_F_WAIT 0x8           /* MODULE_REQUEST: wait */
#define RP_F_COUNT 0x10         /* TRIGGER: aux holds deferred_trigger_count after the trigger;
                                   TIMEOUT_EXTENDED: ret holds the timeout in seconds */
#define RP_F_IN_BOUND 0x20      /* TRIGGER: inside driver_bound() */
#define RP_F_IN_TIMEOUT 0x40    /* TRIGGER: inside deferred_probe_timeout_work_func() */
#define RP_F_IN_PROBE 0x80      /* TRIGGER: inside really_probe() (race re-trigger <= 5.13) */
#define RP_F_DEV_DRIVER 0x100   /* UNBIND: dev had a driver */
#define RP_F_NOT_PENDING 0x200  /* TIMEOUT_EXTENDED: the timeout work was not pending (no-op) */
#define RP_F_LINK_CPU 0x400       /* ASOC_MISSING: one of the link's cpus */
#define RP_F_LINK_CODEC 0x800     /* ASOC_MISSING: one of the link's codecs */
#define RP_F_LINK_PLATFORM 0x1000 /* ASOC_MISSING: one of the link's platforms */
#define RP_F_COMPONENT 0x2000     /* ASOC_MISSING: a component lookup (soc_find_component) */

/* String items following the header. RP_S_DAI may repeat (COMPONENT_ADD, in order). */
enum rp_field {
	RP_S_DEV = 1,    /* dev_name(dev) */
	RP_S_PARENT,     /* dev_name(dev->parent) (DEVICE_ADD) */
	RP_S_BUS,        /* dev->bus->name / drv->bus->name */
	RP_S_DRV,        /* driver name (ASOC_MISSING: dai_link name) */
	RP_S_STR,        /* kind specific: reason, firmware, module, component/card name, card id */
	RP_S_DAI,        /* COMPONENT_ADD: one DAI driver name */
	RP_S_SYM,        /* the kernel's own name for the code address in aux/ptr (work function,
	                  * firmware callback), when the loader set cfg_ksym_in_bpf (bpf_snprintf "%ps",
	                  * 5.13+): module symbols resolve without user space re-reading /proc/kallsyms */
	RP_S_CARD,       /* COMPONENT_DEL: dev_name(component->card->dev), the card the removal unbinds */
	RP_S_MAX,
};

struct rp_event {
	__u64 ts;    /* bpf_ktime_get_boot_ns() */
	__u64 dev;   /* struct device * (correlation only) */
	__u64 ptr;   /* kind specific: cookie, work_struct *, fw_work *, callback */
	__u64 ptr2;  /* kind specific */
	__s64 ret;   /* return value / index / seconds */
	__u64 aux;   /* kind specific: trigger count, work function, callback; COMPONENT_ADD: num_dai */
	__u32 kind;  /* enum rp_kind */
	__u32 cpu;
	__u32 tid;
	__u32 flags;
	__u16 size;  /* the whole record: header + string items (<= RP_REC_MAX) */
	__u16 abi;   /* RP_ABI_VERSION */
	__u32 pad;
	char comm[RP_COMM_LEN];
};

/* Indices into the "counters" array map. */
enum rp_counter {
	RP_CNT_DROPS = 0,  /* records lost in BPF (per CPU): ring buffer full, or scratch nesting too deep */
	RP_CNT_MAX,
};

#endif /* REPROBE_ABI_H */
