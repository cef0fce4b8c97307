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
 *
 * Optional (defaults keep the behaviour above; used by the enact-* scenarios):
 *   codec2=NAME   a second dai_link "reprobe-NAME": cpu = snd-soc-dummy-dai,
 *                 codec = component NAME / DAI "NAME-dai" (e.g. reprobe_amp):
 *                 the card needs both DAIs; ASoC reports only the first missing one.
 *   wait_for=DEV  before registering the card, look up the ASoC component of
 *                 platform device DEV; when it is missing, sleep window_ms (a
 *                 lookup->defer window) and return -EPROBE_DEFER with the reason
 *                 "waiting for DEV component", or with wait_msg=1 the free text
 *                 "DSP firmware not ready" (names no resource).
 */
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/delay.h>
#include <sound/soc.h>

static bool codec = true;
module_param(codec, bool, 0444);
MODULE_PARM_DESC(codec, "create the dmic-codec platform device (default 1)");

static bool driver_first;
module_param(driver_first, bool, 0444);
MODULE_PARM_DESC(driver_first,
		 "register the machine driver before its device (device_add path) instead of after (driver_register path, default)");

static char *codec2 = "";
module_param(codec2, charp, 0444);
MODULE_PARM_DESC(codec2, "second link's codec component (DAI NAME-dai); empty = one link (default)");

static char *wait_for = "";
module_param(wait_for, charp, 0444);
MODULE_PARM_DESC(wait_for, "platform device whose ASoC component must exist before card registration");

static unsigned int window_ms;
module_param(window_ms, uint, 0444);
MODULE_PARM_DESC(window_ms, "wait_for: sleep between the failed lookup and the deferral (ms, default 0)");

static int wait_msg;
module_param(wait_msg, int, 0444);
MODULE_PARM_DESC(wait_msg, "wait_for: 0 = reason names the component, 1 = free text \"DSP firmware not ready\"");

/* does platform device @name exist and have a registered ASoC component? */
static bool reprobe_component_present(const char *name)
{
	struct device *d = bus_find_device_by_name(&platform_bus_type, NULL, name);
	bool found;

	if (!d)
		return false;
	found = snd_soc_lookup_component(d, NULL) != NULL;
	put_device(d);
	return found;
}

static int reprobe_machine_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct snd_soc_card *card;
	struct snd_soc_dai_link *link;
	struct snd_soc_dai_link_component *dlc;
	bool two = codec2 && *codec2;
	int ret;

	card = devm_kzalloc(dev, sizeof(*card), GFP_KERNEL);

	if (wait_for && *wait_for && !reprobe_component_present(wait_for)) {
		if (window_ms)
			msleep(window_ms);
		if (wait_msg)
			return dev_err_probe(dev, -EPROBE_DEFER, "DSP firmware not ready\n");
		return dev_err_probe(dev, -EPROBE_DEFER, "waiting for %s component\n", wait_for);
	}

	link = devm_kcalloc(dev, two ? 2 : 1, sizeof(*link), GFP_KERNEL);
	dlc = devm_kcalloc(dev, two ? 5 : 3, sizeof(*dlc), GFP_KERNEL);
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

	if (two) {
		dlc[3].name = "snd-soc-dummy";		/* cpu */
		dlc[3].dai_name = "snd-soc-dummy-dai";
		dlc[4].name = codec2;			/* codec */
		dlc[4].dai_name = devm_kasprintf(dev, GFP_KERNEL, "%s-dai", codec2);
		link[1].name = devm_kasprintf(dev, GFP_KERNEL, "reprobe-%s", codec2);
		if (!dlc[4].dai_name || !link[1].name)
			return -ENOMEM;
		link[1].stream_name = link[1].name;
		link[1].cpus = &dlc[3];
		link[1].num_cpus = 1;
		link[1].codecs = &dlc[4];
		link[1].num_codecs = 1;
		link[1].no_pcm = 0;
		card->num_links = 2;
	}

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
