// SPDX-License-Identifier: GPL-2.0
/*
 * reprobe_burst - kernel-side event burst for the reprobe VM harness (issue 3 §4:
 * "0 drops at 50 k events/s").  A shell bind/unbind loop cannot offer more than
 * ~5-13 k driver-core events/s in the TCG guest; this module drives the same real,
 * exported driver-core paths from kthreads, without the shell, sysfs write and
 * bus_find_device_by_name() of every iteration.
 *
 * At load it registers platform driver "reprobe-burst" and, per possible burst
 * thread (max_threads, default: online CPUs), two platform devices:
 *   reprobe-burst.N        (id N)        probe returns 0: it binds;
 *   reprobe-burst.(1000+N) (id 1000 + N) probe returns
 *       dev_err_probe(dev, -EPROBE_DEFER, ...): it defers (reason recorded by
 *       device_set_deferred_probe_reason(), device put on the deferred list),
 *       so it sits on deferred_probe_pending_list and every trigger retries it.
 *
 * Writing to parameter "run" (any value) starts a burst and returns when it has
 * finished (the write blocks; it holds the module's parameter lock meanwhile, so
 * reading any of its parameters waits for the burst).  threads kthreads (0 = one per online CPU, at most
 * max_threads), each bound to an online CPU, loop until duration_ms has elapsed or
 * each did iterations (0 = no limit), calling cond_resched() after every
 * iteration, at nice value nice (default 0).  One iteration, by mode:
 *   bind   device_release_driver(bind dev) + device_driver_attach(drv, bind dev)
 *          (what sysfs unbind/bind do): unbind (device_release_driver_internal),
 *          really_probe entry/exit, driver_bound, driver_deferred_probe_del,
 *          driver_deferred_probe_trigger, and the deferred_probe_work_func run the
 *          trigger queues on system_wq, which retries the deferring devices;
 *   defer  device_attach(defer dev) (what bus_probe_device() and the deferred
 *          work do): really_probe returning +517, the dev_err_probe reason,
 *          driver_deferred_probe_add (a no-op after the first: the device is
 *          already pending; retried by the deferred work only after a trigger);
 *   mixed  one bind iteration and one defer attempt;
 *   reason SYNTHETIC, not a driver-core sequence: dev_err_probe(defer dev,
 *          -EPROBE_DEFER, ...) alone, outside any probe -- the cheapest exported
 *          function the recorder hooks (device_set_deferred_probe_reason, one
 *          defer_reason event per call), to offer more events/s than the real
 *          paths reach under TCG once the recorder's own cost slows them down.
 * Parameter "result" (read-only) and a pr_info line give the outcome of the last
 * burst: mode, threads, iterations (total and per thread), start_ns/end_ns
 * (CLOCK_BOOTTIME ns, the clock of the reprobe trace "t": first thread start, last
 * thread end), elapsed_ns, errors (unexpected return values or states) and the
 * first error.
 */
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/sched.h>
#include <linux/sched/prio.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#define BURST_NAME "reprobe-burst"
#define BURST_DEFER_ID_BASE 1000
#define BURST_MAX_THREADS 64

static unsigned int max_threads;
module_param(max_threads, uint, 0444);
MODULE_PARM_DESC(max_threads, "device pairs created at load = most burst threads (default: online CPUs, at most 64)");

static unsigned int threads;
module_param(threads, uint, 0644);
MODULE_PARM_DESC(threads, "burst kthreads (0 = one per online CPU, capped at max_threads)");

static unsigned int duration_ms = 10000;
module_param(duration_ms, uint, 0644);
MODULE_PARM_DESC(duration_ms, "burst length in ms (default 10000)");

static unsigned long iterations;
module_param(iterations, ulong, 0644);
MODULE_PARM_DESC(iterations, "stop each thread after this many iterations (0 = only duration_ms)");

static int nice;
module_param(nice, int, 0644);
MODULE_PARM_DESC(nice, "nice value of the burst kthreads, -20..19 (default 0: they share the CPUs with user space, a tracer's reader included; -20 starves it)");

static char mode[16] = "bind";
module_param_string(mode, mode, sizeof(mode), 0644);
MODULE_PARM_DESC(mode, "bind | defer | mixed | reason (synthetic) (default bind)");

enum burst_mode { BURST_BIND, BURST_DEFER, BURST_MIXED, BURST_REASON };
static const char *const burst_mode_names[] = { "bind", "defer", "mixed", "reason" };

struct burst_thread {
	struct task_struct *task;
	struct platform_device *bind_dev;
	struct platform_device *defer_dev;
	enum burst_mode mode;
	unsigned long limit;
	u64 deadline_ns;
	u64 start_ns;
	u64 end_ns;
	unsigned long done;
	unsigned long errors;
	int first_error;
	char first_error_what[24];
};

static struct platform_device **bind_devs;
static struct platform_device **defer_devs;
static unsigned int ndev_pairs;
static bool driver_registered;

static DEFINE_MUTEX(burst_lock);	/* one burst at a time; guards the result */
static struct burst_thread burst_threads[BURST_MAX_THREADS];
static atomic_t burst_running;
static DECLARE_COMPLETION(burst_done);
static char burst_result[512] = "none";

static int reprobe_burst_probe(struct platform_device *pdev)
{
	if (pdev->id >= BURST_DEFER_ID_BASE)
		return dev_err_probe(&pdev->dev, -EPROBE_DEFER, "burst: supplier not ready\n");
	return 0;
}

static struct platform_driver reprobe_burst_driver = {
	.probe = reprobe_burst_probe,
	.driver = {
		.name = BURST_NAME,
	},
};

static void burst_error(struct burst_thread *bt, const char *what, int ret)
{
	if (!bt->errors++) {
		bt->first_error = ret;
		strscpy(bt->first_error_what, what, sizeof(bt->first_error_what));
	}
}

static void burst_bind_cycle(struct burst_thread *bt)
{
	struct device *dev = &bt->bind_dev->dev;
	int ret;

	device_release_driver(dev);
	ret = device_driver_attach(&reprobe_burst_driver.driver, dev);
	if (ret)
		burst_error(bt, "device_driver_attach", ret);
}

static void burst_defer_attempt(struct burst_thread *bt)
{
	struct device *dev = &bt->defer_dev->dev;
	int ret;

	ret = device_attach(dev);
	if (ret < 0)
		burst_error(bt, "device_attach", ret);
	else if (READ_ONCE(dev->driver))
		burst_error(bt, "defer device bound", ret);
}

/* synthetic: the deferral reason a probe would record, without the probe */
static void burst_reason_call(struct burst_thread *bt)
{
	int ret;

	ret = dev_err_probe(&bt->defer_dev->dev, -EPROBE_DEFER, "burst: supplier not ready\n");
	if (ret != -EPROBE_DEFER)
		burst_error(bt, "dev_err_probe", ret);
}

static int burst_thread_fn(void *data)
{
	struct burst_thread *bt = data;

	bt->start_ns = ktime_get_boottime_ns();
	for (;;) {
		if (bt->limit && bt->done >= bt->limit)
			break;
		if (ktime_get_boottime_ns() >= bt->deadline_ns)
			break;
		if (bt->mode == BURST_REASON) {
			burst_reason_call(bt);
		} else {
			if (bt->mode != BURST_DEFER)
				burst_bind_cycle(bt);
			if (bt->mode != BURST_BIND)
				burst_defer_attempt(bt);
		}
		bt->done++;
		cond_resched();
	}
	bt->end_ns = ktime_get_boottime_ns();
	if (atomic_dec_and_test(&burst_running))
		complete(&burst_done);
	/* wait for kthread_stop(): the module text stays in use until then */
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static int burst_parse_mode(enum burst_mode *m)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(burst_mode_names); i++) {
		if (sysfs_streq(mode, burst_mode_names[i])) {
			*m = i;
			return 0;
		}
	}
	pr_err("reprobe_burst: mode \"%s\" is not bind, defer, mixed or reason\n", mode);
	return -EINVAL;
}

static int burst_run(void)
{
	unsigned int nthreads = threads ? threads : num_online_cpus();
	unsigned long total = 0, errors = 0;
	u64 start = U64_MAX, end = 0, deadline;
	unsigned int i, cpu = cpumask_first(cpu_online_mask);
	enum burst_mode m;
	const char *err_what = "";
	int err_ret = 0, ret, len;

	ret = burst_parse_mode(&m);
	if (ret)
		return ret;
	if (nthreads > ndev_pairs)
		nthreads = ndev_pairs;
	if (!nthreads || (!duration_ms && !iterations) || nice < MIN_NICE || nice > MAX_NICE)
		return -EINVAL;

	/* create every thread before starting any, so they start together */
	for (i = 0; i < nthreads; i++) {
		struct burst_thread *bt = &burst_threads[i];

		memset(bt, 0, sizeof(*bt));
		bt->bind_dev = bind_devs[i];
		bt->defer_dev = defer_devs[i];
		bt->mode = m;
		bt->limit = iterations;
		bt->task = kthread_create(burst_thread_fn, bt, "reprobe_burst/%u", i);
		if (IS_ERR(bt->task)) {
			ret = PTR_ERR(bt->task);
			while (i--)
				kthread_stop(burst_threads[i].task);
			return ret;
		}
		kthread_bind(bt->task, cpu);
		set_user_nice(bt->task, nice);
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
	}
	/* the deadline counts from here, not from thread creation */
	deadline = duration_ms ? ktime_get_boottime_ns() + (u64)duration_ms * NSEC_PER_MSEC : U64_MAX;
	reinit_completion(&burst_done);
	atomic_set(&burst_running, nthreads);
	for (i = 0; i < nthreads; i++) {
		burst_threads[i].deadline_ns = deadline;
		wake_up_process(burst_threads[i].task);
	}
	wait_for_completion(&burst_done);

	len = 0;
	for (i = 0; i < nthreads; i++) {
		struct burst_thread *bt = &burst_threads[i];

		kthread_stop(bt->task);
		total += bt->done;
		start = min(start, bt->start_ns);
		end = max(end, bt->end_ns);
		if (bt->errors && !errors) {
			err_what = bt->first_error_what;
			err_ret = bt->first_error;
		}
		errors += bt->errors;
	}
	len = scnprintf(burst_result, sizeof(burst_result),
			"mode=%s threads=%u nice=%d iterations=%lu start_ns=%llu end_ns=%llu elapsed_ns=%llu errors=%lu",
			burst_mode_names[m], nthreads, nice, total, start, end, end - start, errors);
	if (errors)
		len += scnprintf(burst_result + len, sizeof(burst_result) - len,
				 " first_error=%s:%d", err_what, err_ret);
	len += scnprintf(burst_result + len, sizeof(burst_result) - len, " per_thread=");
	for (i = 0; i < nthreads; i++)
		len += scnprintf(burst_result + len, sizeof(burst_result) - len, "%s%lu",
				 i ? "," : "", burst_threads[i].done);
	pr_info("reprobe_burst: %s\n", burst_result);
	return 0;
}

static int burst_run_set(const char *val, const struct kernel_param *kp)
{
	int ret;

	if (!driver_registered)
		return -ENODEV;
	ret = mutex_lock_interruptible(&burst_lock);
	if (ret)
		return ret;
	ret = burst_run();
	mutex_unlock(&burst_lock);
	return ret;
}

static int burst_run_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&burst_running) ? 1 : 0);
}

static const struct kernel_param_ops burst_run_ops = {
	.set = burst_run_set,
	.get = burst_run_get,
};
module_param_cb(run, &burst_run_ops, NULL, 0644);
MODULE_PARM_DESC(run, "write anything: run one burst (the write returns when it is done)");

static int burst_result_get(char *buf, const struct kernel_param *kp)
{
	int ret;

	mutex_lock(&burst_lock);
	ret = sysfs_emit(buf, "%s\n", burst_result);
	mutex_unlock(&burst_lock);
	return ret;
}

static const struct kernel_param_ops burst_result_ops = {
	.get = burst_result_get,
};
module_param_cb(result, &burst_result_ops, NULL, 0444);
MODULE_PARM_DESC(result, "outcome of the last burst (key=value line)");

static void burst_unregister_devices(void)
{
	unsigned int i;

	for (i = 0; i < ndev_pairs; i++) {
		if (defer_devs && !IS_ERR_OR_NULL(defer_devs[i]))
			platform_device_unregister(defer_devs[i]);
		if (bind_devs && !IS_ERR_OR_NULL(bind_devs[i]))
			platform_device_unregister(bind_devs[i]);
	}
	kfree(defer_devs);
	kfree(bind_devs);
	defer_devs = bind_devs = NULL;
}

static int __init reprobe_burst_init(void)
{
	unsigned int i;
	int ret;

	ndev_pairs = max_threads ? max_threads : num_online_cpus();
	ndev_pairs = min_t(unsigned int, ndev_pairs, BURST_MAX_THREADS);
	bind_devs = kcalloc(ndev_pairs, sizeof(*bind_devs), GFP_KERNEL);
	defer_devs = kcalloc(ndev_pairs, sizeof(*defer_devs), GFP_KERNEL);
	if (!bind_devs || !defer_devs) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = platform_driver_register(&reprobe_burst_driver);
	if (ret)
		goto err_free;
	for (i = 0; i < ndev_pairs; i++) {
		bind_devs[i] = platform_device_register_simple(BURST_NAME, i, NULL, 0);
		if (IS_ERR(bind_devs[i])) {
			ret = PTR_ERR(bind_devs[i]);
			goto err_devices;
		}
		defer_devs[i] = platform_device_register_simple(BURST_NAME, BURST_DEFER_ID_BASE + i, NULL, 0);
		if (IS_ERR(defer_devs[i])) {
			ret = PTR_ERR(defer_devs[i]);
			goto err_devices;
		}
		if (!READ_ONCE(bind_devs[i]->dev.driver)) {
			pr_err("reprobe_burst: %s did not bind at registration\n", dev_name(&bind_devs[i]->dev));
			ret = -ENODEV;
			goto err_devices;
		}
	}
	driver_registered = true;
	return 0;

err_devices:
	burst_unregister_devices();
	platform_driver_unregister(&reprobe_burst_driver);
	return ret;
err_free:
	kfree(defer_devs);
	kfree(bind_devs);
	return ret;
}

static void __exit reprobe_burst_exit(void)
{
	burst_unregister_devices();
	platform_driver_unregister(&reprobe_burst_driver);
}

module_init(reprobe_burst_init);
module_exit(reprobe_burst_exit);
MODULE_DESCRIPTION("reprobe test: timed kernel-side driver-core bind/defer bursts");
MODULE_LICENSE("GPL");
