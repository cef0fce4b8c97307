// SPDX-License-Identifier: GPL-2.0
/*
 * reprobe_kick - an unrelated successful bind, for the reprobe VM harness.
 *
 * bind=1 (default): registers platform device "reprobe-kick" and the matching
 *   driver; the probe succeeds, driver_bound() fires
 *   driver_deferred_probe_trigger() and every device on the deferred pending
 *   list is retried ("kick").
 * bind=0: registers only the driver (no device, nothing binds): a plain
 *   driver_register(), which on >= 5.19 only pushes back a still-pending
 *   deferred_probe_timeout (deferred_probe_extend_timeout) -- used by the
 *   harness to keep the timeout timer pending while the guest prepares.
 * prefer_async=1: the driver sets probe_type = PROBE_PREFER_ASYNCHRONOUS, so
 *   the device (added after the driver) is probed from
 *   __device_attach_async_helper on an async kworker (async-probe scenario).
 */
#include <linux/module.h>
#include <linux/platform_device.h>

static bool bind = true;
module_param(bind, bool, 0444);
MODULE_PARM_DESC(bind, "create the reprobe-kick device so the driver binds (default 1)");

static bool prefer_async;
module_param(prefer_async, bool, 0444);
MODULE_PARM_DESC(prefer_async, "probe_type = PROBE_PREFER_ASYNCHRONOUS (default 0)");

static int reprobe_kick_probe(struct platform_device *pdev)
{
	dev_info(&pdev->dev, "reprobe: kick device bound\n");
	return 0;
}

static struct platform_driver reprobe_kick_driver = {
	.probe = reprobe_kick_probe,
	.driver = {
		.name = "reprobe-kick",
	},
};

static struct platform_device *kick_pdev;

static int __init reprobe_kick_init(void)
{
	int ret;

	if (prefer_async)
		reprobe_kick_driver.driver.probe_type = PROBE_PREFER_ASYNCHRONOUS;
	ret = platform_driver_register(&reprobe_kick_driver);
	if (ret || !bind)
		return ret;
	kick_pdev = platform_device_register_simple("reprobe-kick", PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(kick_pdev)) {
		platform_driver_unregister(&reprobe_kick_driver);
		return PTR_ERR(kick_pdev);
	}
	return 0;
}

static void __exit reprobe_kick_exit(void)
{
	if (kick_pdev)
		platform_device_unregister(kick_pdev);
	platform_driver_unregister(&reprobe_kick_driver);
}

module_init(reprobe_kick_init);
module_exit(reprobe_kick_exit);
MODULE_DESCRIPTION("reprobe test: a successful bind that kicks deferred probing");
MODULE_LICENSE("GPL");
