// SPDX-License-Identifier: GPL-2.0
/*
 * reprobe_machine - an ASoC machine driver for the reprobe VM harness.
 *
 * Creates the "dmic-codec" platform device (bound by Debian's real snd-soc-dmic
 * codec driver; nothing else in the guest creates one) unless codec=0, then its
 * own platform device "reprobe-machine" and platform driver "reprobe-machine".
 * The probe calls devm_snd_soc_register_card() with one dai_link:
 *
 *   cpu      = DAI "reprobe-dsp-dai"        (registered late by reprobe_dsp)
 *   platform = component "reprobe-dsp"
 *   codec    = "dmic-codec" / DAI "dmic-hifi" (snd-soc-dmic)
 *
 * and returns the card registration's error, so a missing CPU DAI makes the
 * probe return -EPROBE_DEFER (really_probe returns +517 on 6.1, the device goes
 * on the deferred list with reason "reprobe-machine: card registration
 * failed").  When it binds, ALSA card "reprobe" appears in /proc/asound/cards.
 */
#include <linux/module.h>
#include <linux/platform_device.h>
#include <sound/soc.h>

static bool codec = true;
module_param(codec, bool, 0444);
MODULE_PARM_DESC(codec, "create the dmic-codec platform device (default 1)");

static bool driver_first;
module_param(driver_first, bool, 0444);
MODULE_PARM_DESC(driver_first,
		 "register the machine driver before its device (device_add path) instead of after (driver_register path, default)");

static int reprobe_machine_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct snd_soc_card *card;
	struct snd_soc_dai_link *link;
	struct snd_soc_dai_link_component *dlc;
	int ret;

	card = devm_kzalloc(dev, sizeof(*card), GFP_KERNEL);
	link = devm_kzalloc(dev, sizeof(*link), GFP_KERNEL);
	dlc = devm_kcalloc(dev, 3, sizeof(*dlc), GFP_KERNEL);
	if (!card || !link || !dlc)
		return -ENOMEM;

	dlc[0].dai_name = "reprobe-dsp-dai";	/* cpu */
	dlc[1].name = "dmic-codec";		/* codec */
	dlc[1].dai_name = "dmic-hifi";
	dlc[2].name = "reprobe-dsp";		/* platform */

	link->name = "reprobe-dmic";
	link->stream_name = "reprobe DMIC";
	link->cpus = &dlc[0];
	link->num_cpus = 1;
	link->codecs = &dlc[1];
	link->num_codecs = 1;
	link->platforms = &dlc[2];
	link->num_platforms = 1;

	card->name = "reprobe";
	card->driver_name = "reprobe";
	card->owner = THIS_MODULE;
	card->dev = dev;
	card->dai_link = link;
	card->num_links = 1;

	ret = devm_snd_soc_register_card(dev, card);
	if (ret)
		return dev_err_probe(dev, ret, "card registration failed\n");
	dev_info(dev, "reprobe: card %s registered\n", card->name);
	return 0;
}

static struct platform_driver reprobe_machine_driver = {
	.probe = reprobe_machine_probe,
	.driver = {
		.name = "reprobe-machine",
	},
};

static struct platform_device *codec_pdev, *machine_pdev;

static int __init reprobe_machine_init(void)
{
	int ret;

	if (codec) {
		codec_pdev = platform_device_register_simple("dmic-codec", PLATFORM_DEVID_NONE,
							     NULL, 0);
		if (IS_ERR(codec_pdev))
			return PTR_ERR(codec_pdev);
	}
	if (driver_first) {
		ret = platform_driver_register(&reprobe_machine_driver);
		if (ret)
			goto err_codec;
	}
	machine_pdev = platform_device_register_simple("reprobe-machine", PLATFORM_DEVID_NONE,
						       NULL, 0);
	if (IS_ERR(machine_pdev)) {
		ret = PTR_ERR(machine_pdev);
		goto err_drv;
	}
	if (!driver_first) {
		ret = platform_driver_register(&reprobe_machine_driver);
		if (ret) {
			platform_device_unregister(machine_pdev);
			goto err_codec;
		}
	}
	return 0;

err_drv:
	if (driver_first)
		platform_driver_unregister(&reprobe_machine_driver);
err_codec:
	if (codec_pdev)
		platform_device_unregister(codec_pdev);
	return ret;
}

static void __exit reprobe_machine_exit(void)
{
	platform_device_unregister(machine_pdev);
	platform_driver_unregister(&reprobe_machine_driver);
	if (codec_pdev)
		platform_device_unregister(codec_pdev);
}

module_init(reprobe_machine_init);
module_exit(reprobe_machine_exit);
MODULE_DESCRIPTION("reprobe test: ASoC machine driver (reprobe-dsp + dmic-codec) that defers");
MODULE_LICENSE("GPL");
