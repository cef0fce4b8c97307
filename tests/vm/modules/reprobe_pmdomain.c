// SPDX-License-Identifier: GPL-2.0
/*
 * reprobe_pmdomain - a consumer of a power domain whose provider never comes,
 * for the reprobe VM harness (issue 13 item 2).
 *
 * Registers platform device "reprobe-pd-consumer" and its driver. The probe
 * looks for its power-domain provider, the platform device named by
 * `provider` (default "reprobe-pd-provider", which nothing creates), bound to a
 * driver. While it is missing the probe returns what
 * driver_deferred_probe_check_state() says, exactly as genpd's
 * __genpd_dev_pm_attach() does when genpd_get_from_provider() finds no
 * provider (the x86 guest has no devicetree "power-domains" property, so the
 * real genpd path never runs for a platform device there):
 *   -EPROBE_DEFER until the deferred_probe_timeout work has run (6.1: it sets
 *   driver_deferred_probe_timeout = 0), then -ETIMEDOUT ("deferred probe
 *   timeout, ignoring dependency") and the probe fails with -110.
 * The error goes through dev_err_probe() like a driver reporting a failed
 * dev_pm_domain_attach(), so the deferral has a reason in devices_deferred.
 */
#include <linux/device.h>
#include <linux/device/bus.h>
#include <linux/module.h>
#include <linux/platform_device.h>

static char *provider = "reprobe-pd-provider";
module_param(provider, charp, 0444);
MODULE_PARM_DESC(provider, "platform device name of the power-domain provider (default reprobe-pd-provider)");

static bool provider_ready(void)
{
	struct device *p = bus_find_device_by_name(&platform_bus_type, NULL, provider);
	bool ready;

	if (!p)
		return false;
	ready = READ_ONCE(p->driver) != NULL;
	put_device(p);
	return ready;
}

static int reprobe_pmdomain_probe(struct platform_device *pdev)
{
	int ret;

	if (provider_ready()) {
		dev_info(&pdev->dev, "reprobe: power domain %s attached\n", provider);
		return 0;
	}
	ret = driver_deferred_probe_check_state(&pdev->dev);
	return dev_err_probe(&pdev->dev, ret, "power domain %s not ready\n", provider);
}

static struct platform_driver reprobe_pmdomain_driver = {
	.probe = reprobe_pmdomain_probe,
	.driver = {
		.name = "reprobe-pd-consumer",
	},
};

static struct platform_device *consumer_pdev;

static int __init reprobe_pmdomain_init(void)
{
	int ret;

	consumer_pdev = platform_device_register_simple("reprobe-pd-consumer", PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(consumer_pdev))
		return PTR_ERR(consumer_pdev);
	ret = platform_driver_register(&reprobe_pmdomain_driver);
	if (ret)
		platform_device_unregister(consumer_pdev);
	return ret;
}

static void __exit reprobe_pmdomain_exit(void)
{
	platform_driver_unregister(&reprobe_pmdomain_driver);
	platform_device_unregister(consumer_pdev);
}

module_init(reprobe_pmdomain_init);
module_exit(reprobe_pmdomain_exit);
MODULE_DESCRIPTION("reprobe test: a power-domain consumer whose provider never comes (check_state)");
MODULE_LICENSE("GPL");
