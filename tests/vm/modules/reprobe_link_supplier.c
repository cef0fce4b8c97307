// SPDX-License-Identifier: GPL-2.0
/*
 * reprobe_link_supplier - the late supplier of reprobe_link (issue 13 item 3):
 * registers the driver "reprobe-link-supplier", which binds the device
 * reprobe_link created; its bind releases the linked consumer.
 */
#include <linux/module.h>
#include <linux/platform_device.h>

static int reprobe_link_supplier_probe(struct platform_device *pdev)
{
	dev_info(&pdev->dev, "reprobe: link supplier bound\n");
	return 0;
}

static struct platform_driver reprobe_link_supplier_driver = {
	.probe = reprobe_link_supplier_probe,
	.driver = {
		.name = "reprobe-link-supplier",
	},
};

module_platform_driver(reprobe_link_supplier_driver);
MODULE_DESCRIPTION("reprobe test: the late device-link supplier");
MODULE_LICENSE("GPL");
