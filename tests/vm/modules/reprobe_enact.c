// SPDX-License-Identifier: GPL-2.0
/*
 * reprobe_enact - enact a reprobe trigger policy on the real kernel.
 *
 * `reprobe replay --policy P` predicts what a kernel with an extra
 * deferred-probe trigger would have done.  This module makes the guest kernel
 * actually do it, so tests/vm/run-enacted.sh can compare the prediction with
 * reality.
 *
 * driver_deferred_probe_trigger() is static in 6.1 (never exported), but every
 * successful bind calls it from driver_bound().  A "kick" is therefore a real
 * bind: the module registers platform driver "reprobe-enact" (probe returns 0,
 * registers nothing else: no ASoC component, no DAI, no resource) and, per kick,
 * a fresh platform device "reprobe-enact" with id N (dev_name
 * "reprobe-enact.N", N = 1, 2, ...).  platform_device_register() -> device_add
 * -> bus_probe_device -> really_probe -> driver_bound -> trigger, exactly the
 * path of an unrelated late bind (tests/vm/modules/reprobe_kick.c).  The bind
 * always runs from a work item (reprobe_enact_kick_work on system_wq), never
 * from the kretprobe handler (atomic context).
 *
 *   policy=component-kick  kretprobe on snd_soc_add_component (snd_soc_core):
 *                          one kick after every successful return (ret == 0),
 *                          i.e. Mark Brown's "kick in snd_soc_register_component()".
 *   policy=provider-kick   kretprobe on each symbol of provider_funcs (comma
 *                          list; "module:symbol" accepted): one kick when the
 *                          function returns -- the providers' late work function
 *                          and firmware callback (Bossart's RFC 2/2).  A symbol of
 *                          a module that is not loaded yet is attached when the
 *                          module arrives (module notifier, MODULE_STATE_COMING:
 *                          before its init runs, so no call can be missed).
 *   policy=periodic        a kick every period_ms, up to max_kicks kicks.  With
 *                          align=1 (default) the kicks fall on multiples of
 *                          period_ms of CLOCK_BOOTTIME (the trace clock): the
 *                          phase `reprobe replay --policy periodic:N` uses for a
 *                          capture without late_initcall (absolute N, 2N, ... ms);
 *                          align=0: every period_ms from the module load.
 *                          armed=0 at load: no kick until 1 is written to
 *                          /sys/module/reprobe_enact/parameters/armed (the VM
 *                          guest arms it when the scenario starts and disarms it
 *                          before the recorder stops, so no kick is in flight
 *                          while the recorder attaches or detaches).
 *   policy=none            the throwaway driver only (control).
 *
 * Every kick logs "reprobe-enact: kick N (CAUSE)" with dev_info on the new
 * device once it is bound; the module logs its setup at load.
 * Parameters are read-only; the module can be unloaded (devices and probes are
 * removed).
 */
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/kprobes.h>
#include <linux/workqueue.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/list.h>
#include <linux/timekeeping.h>
#include <linux/math64.h>
#include <linux/jiffies.h>

static char *policy = "none";
module_param(policy, charp, 0444);
MODULE_PARM_DESC(policy, "component-kick|provider-kick|periodic|none (default none)");

static unsigned int period_ms = 500;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "periodic: kick every period_ms (default 500)");

static bool align = true;
module_param(align, bool, 0444);
MODULE_PARM_DESC(align, "periodic: kick on multiples of period_ms of CLOCK_BOOTTIME (default 1)");

static struct delayed_work periodic_work;
static unsigned long periodic_delay(void);
static bool initialized;	/* periodic_work is set up (armed_set may run before init) */

static bool armed = true;
static int armed_set(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	if (ret || !READ_ONCE(initialized) || strcmp(policy, "periodic"))
		return ret;
	if (armed)
		schedule_delayed_work(&periodic_work, periodic_delay());
	else
		cancel_delayed_work_sync(&periodic_work);
	return 0;
}
static const struct kernel_param_ops armed_ops = {
	.set = armed_set,
	.get = param_get_bool,
};
module_param_cb(armed, &armed_ops, &armed, 0644);
MODULE_PARM_DESC(armed, "periodic: kicking enabled (default 1; writable)");

static char *provider_funcs = "";
module_param(provider_funcs, charp, 0444);
MODULE_PARM_DESC(provider_funcs, "provider-kick: comma list of functions whose return kicks");

static char *component_func = "snd_soc_add_component";
module_param(component_func, charp, 0444);
MODULE_PARM_DESC(component_func, "component-kick: the ASoC registration function (default snd_soc_add_component)");

static unsigned int max_kicks = 400;
module_param(max_kicks, uint, 0444);
MODULE_PARM_DESC(max_kicks, "stop kicking after this many kicks (default 400)");

#define MAX_PROBES 8

enum kick_cause { CAUSE_COMPONENT, CAUSE_PROVIDER, CAUSE_PERIODIC };
static const char *const cause_name[] = { "component-kick", "provider-kick", "periodic" };

struct enact_probe {
	struct kretprobe rp;
	char sym[KSYM_NAME_LEN];
	bool registered;
	bool check_ret;		/* kick only when the function returned 0 */
	enum kick_cause cause;
};

static struct enact_probe probes[MAX_PROBES];
static int nprobes;
static DEFINE_MUTEX(probes_lock);
static bool notifier_registered;

/* pending kicks, one counter per cause (filled in atomic context) */
static atomic_t pending[3];
static atomic_t kicks_done = ATOMIC_INIT(0);
static struct work_struct kick_work;
static bool stopping;

struct enact_dev {
	struct list_head node;
	struct platform_device *pdev;
};
static LIST_HEAD(devs);
static DEFINE_MUTEX(devs_lock);

static int reprobe_enact_probe(struct platform_device *pdev)
{
	const char *cause = dev_get_platdata(&pdev->dev);

	dev_info(&pdev->dev, "reprobe-enact: kick %d (%s)\n", pdev->id, cause ? cause : "?");
	return 0;
}

static struct platform_driver reprobe_enact_driver = {
	.probe = reprobe_enact_probe,
	.driver = {
		.name = "reprobe-enact",
	},
};

static void do_kick(enum kick_cause cause)
{
	struct enact_dev *ed;
	struct platform_device *pdev;
	int n = atomic_inc_return(&kicks_done);
	const char *c = cause_name[cause];

	if (n > max_kicks) {
		if (n == max_kicks + 1)
			pr_info("reprobe-enact: max_kicks=%u reached, no more kicks\n", max_kicks);
		return;
	}
	ed = kzalloc(sizeof(*ed), GFP_KERNEL);
	if (!ed)
		return;
	/* the bind happens inside platform_device_register_data (device_add ->
	 * bus_probe_device -> really_probe -> driver_bound -> trigger) */
	pdev = platform_device_register_data(NULL, "reprobe-enact", n, c, strlen(c) + 1);
	if (IS_ERR(pdev)) {
		pr_err("reprobe-enact: kick %d (%s): device registration failed: %ld\n",
		       n, c, PTR_ERR(pdev));
		kfree(ed);
		return;
	}
	if (!pdev->dev.driver)
		dev_err(&pdev->dev, "reprobe-enact: kick %d (%s): device did NOT bind\n", n, c);
	ed->pdev = pdev;
	mutex_lock(&devs_lock);
	list_add_tail(&ed->node, &devs);
	mutex_unlock(&devs_lock);
}

static void reprobe_enact_kick_work(struct work_struct *work)
{
	int c;

	for (c = 0; c < 3; c++)
		while (atomic_add_unless(&pending[c], -1, 0))
			if (!READ_ONCE(stopping))
				do_kick(c);
}

/* delay until the next periodic kick: the next multiple of period_ms of
 * CLOCK_BOOTTIME (align=1, rounded up to a jiffy) or period_ms */
static unsigned long periodic_delay(void)
{
	u64 now, p, next;

	if (!align)
		return msecs_to_jiffies(period_ms);
	now = ktime_get_boottime_ns();
	p = (u64)period_ms * NSEC_PER_MSEC;
	next = (div64_u64(now, p) + 1) * p;
	return usecs_to_jiffies(div_u64(next - now, NSEC_PER_USEC));
}

static void reprobe_enact_periodic(struct work_struct *work)
{
	if (READ_ONCE(stopping) || !READ_ONCE(armed))
		return;
	do_kick(CAUSE_PERIODIC);
	if (atomic_read(&kicks_done) < max_kicks)
		schedule_delayed_work(&periodic_work, periodic_delay());
}

/* kretprobe return handler: atomic context, only counts and queues */
static int reprobe_enact_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kretprobe *rp = get_kretprobe(ri);
	struct enact_probe *ep;

	if (!rp)
		return 0;
	ep = container_of(rp, struct enact_probe, rp);
	if (ep->check_ret && regs_return_value(regs) != 0)
		return 0;
	atomic_inc(&pending[ep->cause]);
	schedule_work(&kick_work);
	return 0;
}

static int try_register(struct enact_probe *ep)
{
	int ret;

	if (ep->registered)
		return 0;
	memset(&ep->rp, 0, sizeof(ep->rp));
	ep->rp.kp.symbol_name = ep->sym;
	ep->rp.handler = reprobe_enact_ret;
	ep->rp.maxactive = 16;
	ret = register_kretprobe(&ep->rp);
	if (!ret) {
		ep->registered = true;
		pr_info("reprobe-enact: kretprobe on %s (%s)\n", ep->sym, cause_name[ep->cause]);
	}
	return ret;
}

/* a module arrives (its symbols are in kallsyms, its init has not run):
 * attach the probes still waiting for a symbol */
static int reprobe_enact_module_cb(struct notifier_block *nb, unsigned long state, void *data)
{
	int i;

	if (state != MODULE_STATE_COMING)
		return NOTIFY_DONE;
	mutex_lock(&probes_lock);
	for (i = 0; i < nprobes; i++)
		if (!probes[i].registered)
			try_register(&probes[i]);
	mutex_unlock(&probes_lock);
	return NOTIFY_DONE;
}

static struct notifier_block reprobe_enact_nb = {
	.notifier_call = reprobe_enact_module_cb,
};

static int add_probe(const char *sym, enum kick_cause cause, bool check_ret)
{
	struct enact_probe *ep;
	int ret;

	if (nprobes >= MAX_PROBES) {
		pr_err("reprobe-enact: too many functions (max %d)\n", MAX_PROBES);
		return -E2BIG;
	}
	ep = &probes[nprobes];
	strscpy(ep->sym, sym, sizeof(ep->sym));
	ep->cause = cause;
	ep->check_ret = check_ret;
	nprobes++;
	ret = try_register(ep);
	if (ret == -ENOENT || ret == -EINVAL) {
		/* the module holding it is not loaded yet */
		pr_info("reprobe-enact: %s not found yet (%d), waiting for its module\n", sym, ret);
		return 0;
	}
	return ret;
}

static void remove_probes(void)
{
	int i;

	if (notifier_registered)
		unregister_module_notifier(&reprobe_enact_nb);
	mutex_lock(&probes_lock);
	for (i = 0; i < nprobes; i++)
		if (probes[i].registered) {
			unregister_kretprobe(&probes[i].rp);
			if (probes[i].rp.nmissed)
				pr_warn("reprobe-enact: %s: %d missed returns\n",
					probes[i].sym, probes[i].rp.nmissed);
			probes[i].registered = false;
		}
	mutex_unlock(&probes_lock);
}

static void remove_devs(void)
{
	struct enact_dev *ed, *tmp;

	mutex_lock(&devs_lock);
	list_for_each_entry_safe(ed, tmp, &devs, node) {
		platform_device_unregister(ed->pdev);
		list_del(&ed->node);
		kfree(ed);
	}
	mutex_unlock(&devs_lock);
}

static int __init reprobe_enact_init(void)
{
	int ret;
	char *list, *p, *s;

	INIT_WORK(&kick_work, reprobe_enact_kick_work);
	INIT_DELAYED_WORK(&periodic_work, reprobe_enact_periodic);

	ret = platform_driver_register(&reprobe_enact_driver);
	if (ret)
		return ret;

	if (!strcmp(policy, "none")) {
		pr_info("reprobe-enact: policy none (driver only)\n");
		return 0;
	}
	if (!strcmp(policy, "periodic")) {
		if (!period_ms) {
			ret = -EINVAL;
			goto err;
		}
		pr_info("reprobe-enact: policy periodic, every %u ms%s%s\n", period_ms,
			align ? " (on multiples of period_ms of CLOCK_BOOTTIME)" : "",
			armed ? "" : ", not armed yet");
		WRITE_ONCE(initialized, true);
		if (armed)
			schedule_delayed_work(&periodic_work, periodic_delay());
		return 0;
	}

	mutex_lock(&probes_lock);
	if (!strcmp(policy, "component-kick")) {
		ret = add_probe(component_func, CAUSE_COMPONENT, true);
	} else if (!strcmp(policy, "provider-kick")) {
		list = kstrdup(provider_funcs, GFP_KERNEL);
		ret = list ? 0 : -ENOMEM;
		p = list;
		while (!ret && p && (s = strsep(&p, ",")) != NULL)
			if (*s)
				ret = add_probe(s, CAUSE_PROVIDER, false);
		kfree(list);
		if (!ret && !nprobes)
			ret = -EINVAL;
	} else {
		ret = -EINVAL;
	}
	mutex_unlock(&probes_lock);
	if (ret) {
		pr_err("reprobe-enact: policy %s: setup failed (%d)\n", policy, ret);
		goto err_probes;
	}
	ret = register_module_notifier(&reprobe_enact_nb);
	if (ret)
		goto err_probes;
	notifier_registered = true;
	pr_info("reprobe-enact: policy %s, %d function(s)\n", policy, nprobes);
	return 0;

err_probes:
	remove_probes();
err:
	platform_driver_unregister(&reprobe_enact_driver);
	return ret;
}

static void __exit reprobe_enact_exit(void)
{
	WRITE_ONCE(stopping, true);
	remove_probes();
	cancel_delayed_work_sync(&periodic_work);
	cancel_work_sync(&kick_work);
	remove_devs();
	platform_driver_unregister(&reprobe_enact_driver);
}

module_init(reprobe_enact_init);
module_exit(reprobe_enact_exit);
MODULE_DESCRIPTION("reprobe test: enact a deferred-probe trigger policy with real throwaway binds");
MODULE_LICENSE("GPL");
