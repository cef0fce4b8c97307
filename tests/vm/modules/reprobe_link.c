// SPDX-License-Identifier: GPL-2.0
/*
 * reprobe_link - a consumer tied to a late supplier by a managed device link,
 * for the reprobe VM harness (issue 13 item 3).
 *
 * Registers platform devices "reprobe-link-supplier" and "reprobe-link-consumer",
 * links them with device_link_add(consumer, supplier, DL_FLAG_AUTOPROBE_CONSUMER)
 * (a managed link, as fw_devlink creates from firmware descriptions; the x86
 * guest has no devicetree, so the link is made by hand), then registers the
 * consumer's driver. Nothing drives the supplier until reprobe_link_supplier is
 * loaded: until then the consumer's probe never reaches its driver --
 * device_links_check_suppliers() in really_probe() returns -EPROBE_DEFER
 * ("supplier reprobe-link-supplier not ready"). When the supplier binds,
 * device_links_driver_bound() puts the consumer on the deferred list
 * (DL_FLAG_AUTOPROBE_CONSUMER) and driver_bound()'s trigger retries it.
 */
#include <linux/device.h>
#include <linux/module.h>
#include <linux/platform_device.h>

static int reprobe_link_consumer_probe(struct platform_device *pdev)
{
	dev_info(&pdev->dev, "reprobe: link consumer bound\n");
	return 0;
}

static struct platform_driver reprobe_link_consumer_driver = {
	.probe = reprobe_link_consumer_probe,
	.driver = {
		.name = "reprobe-link-consumer",
	},
};

static struct platform_device *supplier_pdev, *consumer_pdev;

static int __init reprobe_link_init(void)
{
	struct device_link *link;
	int ret;

	supplier_pdev = platform_device_register_simple("reprobe-link-supplier", PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(supplier_pdev))
		return PTR_ERR(supplier_pdev);
	consumer_pdev = platform_device_register_simple("reprobe-link-consumer", PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(consumer_pdev)) {
		ret = PTR_ERR(consumer_pdev);
		goto err_supplier;
	}
	link = device_link_add(&consumer_pdev->dev, &supplier_pdev->dev, DL_FLAG_AUTOPROBE_CONSUMER);
	if (!link) {
		ret = -EINVAL;
		goto err_consumer;
	}
	ret = platform_driver_register(&reprobe_link_consumer_driver);
	if (ret)
		goto err_consumer;
	return 0;

err_consumer:
	platform_device_unregister(consumer_pdev);
err_supplier:
	platform_device_unregister(supplier_pdev);
	return ret;
}

static void __exit reprobe_link_exit(void)
{
	platform_driver_unregister(&reprobe_link_consumer_driver);
	platform_device_unregister(consumer_pdev);
	platform_device_unregister(supplier_pdev);
}

module_init(reprobe_link_init);
module_exit(reprobe_link_exit);
MODULE_DESCRIPTION("reprobe test: a consumer waiting for its device-link supplier");
MODULE_LICENSE("GPL");
