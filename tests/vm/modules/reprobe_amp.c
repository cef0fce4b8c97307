// SPDX-License-Identifier: GPL-2.0
/*
 * reprobe_amp - a second ASoC provider for the reprobe VM harness (enact-*
 * scenarios): a codec ("amplifier") with component "reprobe-amp" and one codec
 * DAI "reprobe-amp-dai" on its own platform device "reprobe-amp" (device
 * first, then the driver, as reprobe_dsp).
 *
 *   mode=sync  (default) the component is registered inside probe;
 *   mode=work  probe queues reprobe_amp_probe_work (system_wq), which sleeps
 *              delay_ms and registers the component;
 *   mode=fw    probe calls request_firmware_nowait(fw_name); the callback
 *              reprobe_amp_fw_cb sleeps delay_ms and registers the component.
 *   mode=inline / inline-fw  the sync-provider policy enacted: probe runs the
 *              work item's body (msleep(delay_ms), register) or request_firmware()
 *              plus the callback's body before it returns.
 *   wait_for=DEV  the probe first looks up the ASoC component of platform device
 *              DEV (e.g. reprobe-dsp) and, when it is missing, returns
 *              dev_err_probe(-EPROBE_DEFER, "waiting for provider DEV component")
 *              -- a chain: the amp can only bind after DEV's late component.
 *
 * reprobe_machine codec2=reprobe-amp adds a dai_link that needs reprobe-amp-dai.
 */
#include <linux/module.h>
#include <linux/version.h>
#include <linux/platform_device.h>
#include <linux/workqueue.h>
#include <linux/firmware.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/string.h>
#include <sound/soc.h>

static char *mode = "sync";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "when to register the component: sync|work|fw|inline|inline-fw (default sync)");

static unsigned int delay_ms = 700;
module_param(delay_ms, uint, 0444);
MODULE_PARM_DESC(delay_ms, "delay before the component registration in work/fw mode (ms, default 700)");

static char *fw_name = "reprobe/dsp.bin";
module_param(fw_name, charp, 0444);
MODULE_PARM_DESC(fw_name, "firmware file requested in fw mode (default reprobe/dsp.bin)");

static char *wait_for = "";
module_param(wait_for, charp, 0444);
MODULE_PARM_DESC(wait_for, "defer until this platform device has an ASoC component (default: none)");

struct reprobe_amp {
	struct device *dev;
	struct work_struct probe_work;
	struct completion fw_done;
	bool fw_pending;
};

static const struct snd_soc_component_driver reprobe_amp_component = {
	.name = "reprobe-amp",
};

static struct snd_soc_dai_driver reprobe_amp_dai = {
	.name = "reprobe-amp-dai",
	.playback = {
		.stream_name = "Amp Playback",
		.channels_min = 1,
		.channels_max = 2,
		.rates = SNDRV_PCM_RATE_8000_48000,
		.formats = SNDRV_PCM_FMTBIT_S16_LE | SNDRV_PCM_FMTBIT_S24_LE,
	},
	.capture = {
		.stream_name = "Amp Capture",
		.channels_min = 1,
		.channels_max = 2,
		.rates = SNDRV_PCM_RATE_8000_48000,
		.formats = SNDRV_PCM_FMTBIT_S16_LE | SNDRV_PCM_FMTBIT_S24_LE,
	},
};

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

static int reprobe_amp_register_component(struct reprobe_amp *amp, const char *ctx)
{
	int ret;

	ret = devm_snd_soc_register_component(amp->dev, &reprobe_amp_component,
					      &reprobe_amp_dai, 1);
	if (ret)
		dev_err(amp->dev, "reprobe: component registration failed (%s): %d\n", ctx, ret);
	else
		dev_info(amp->dev, "reprobe: component reprobe-amp registered (%s)\n", ctx);
	return ret;
}

static void reprobe_amp_probe_work(struct work_struct *work)
{
	struct reprobe_amp *amp = container_of(work, struct reprobe_amp, probe_work);

	if (delay_ms)
		msleep(delay_ms);
	reprobe_amp_register_component(amp, "work");
}

static void reprobe_amp_fw_cb(const struct firmware *fw, void *context)
{
	struct reprobe_amp *amp = context;

	if (!fw) {
		dev_err(amp->dev, "reprobe: firmware %s not found, component NOT registered\n",
			fw_name);
	} else {
		dev_info(amp->dev, "reprobe: amp firmware %s loaded (%zu bytes)\n", fw_name, fw->size);
		if (delay_ms)
			msleep(delay_ms);
		reprobe_amp_register_component(amp, "firmware callback");
		release_firmware(fw);
	}
	complete(&amp->fw_done);
}

/* mode=inline / inline-fw (the sync-provider policy enacted): the late work runs
 * inside probe -- the work item's body (msleep(delay_ms), register), or for
 * inline-fw a synchronous request_firmware() plus the firmware callback's body */
static int reprobe_amp_inline(struct reprobe_amp *amp, bool fw_first)
{
	const struct firmware *fw = NULL;
	int ret;

	if (fw_first) {
		ret = request_firmware(&fw, fw_name, amp->dev);
		if (ret)
			return dev_err_probe(amp->dev, ret, "reprobe: firmware %s not found\n", fw_name);
		dev_info(amp->dev, "reprobe: firmware %s loaded in probe (%zu bytes)\n", fw_name, fw->size);
	}
	if (delay_ms)
		msleep(delay_ms);
	ret = reprobe_amp_register_component(amp, fw_first ? "probe, inline firmware" : "probe, inline work");
	release_firmware(fw);
	return ret;
}

static int reprobe_amp_probe(struct platform_device *pdev)
{
	struct reprobe_amp *amp;
	int ret;

	if (wait_for && *wait_for && !reprobe_component_present(wait_for))
		return dev_err_probe(&pdev->dev, -EPROBE_DEFER,
				     "waiting for provider %s component\n", wait_for);

	amp = devm_kzalloc(&pdev->dev, sizeof(*amp), GFP_KERNEL);
	if (!amp)
		return -ENOMEM;
	amp->dev = &pdev->dev;
	init_completion(&amp->fw_done);
	INIT_WORK(&amp->probe_work, reprobe_amp_probe_work);
	platform_set_drvdata(pdev, amp);

	dev_info(&pdev->dev, "reprobe: amp probe mode=%s delay_ms=%u\n", mode, delay_ms);
	if (!strcmp(mode, "sync"))
		return reprobe_amp_register_component(amp, "probe");
	if (!strcmp(mode, "inline") || !strcmp(mode, "inline-fw"))
		return reprobe_amp_inline(amp, !strcmp(mode, "inline-fw"));
	if (!strcmp(mode, "work")) {
		schedule_work(&amp->probe_work);
		return 0;
	}
	if (!strcmp(mode, "fw")) {
		amp->fw_pending = true;
		ret = request_firmware_nowait(THIS_MODULE, true, fw_name, &pdev->dev,
					      GFP_KERNEL, amp, reprobe_amp_fw_cb);
		if (ret) {
			amp->fw_pending = false;
			return dev_err_probe(&pdev->dev, ret, "reprobe: request_firmware_nowait failed\n");
		}
		return 0;
	}
	return dev_err_probe(&pdev->dev, -EINVAL, "reprobe: bad mode '%s'\n", mode);
}

static void reprobe_amp_teardown(struct platform_device *pdev)
{
	struct reprobe_amp *amp = platform_get_drvdata(pdev);

	cancel_work_sync(&amp->probe_work);
	if (amp->fw_pending)
		wait_for_completion(&amp->fw_done);
}

/* platform_driver::remove returns void since 6.11 (int before) */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
static void reprobe_amp_remove(struct platform_device *pdev)
{
	reprobe_amp_teardown(pdev);
}
#else
static int reprobe_amp_remove(struct platform_device *pdev)
{
	reprobe_amp_teardown(pdev);
	return 0;
}
#endif

static struct platform_driver reprobe_amp_driver = {
	.probe = reprobe_amp_probe,
	.remove = reprobe_amp_remove,
	.driver = {
		.name = "reprobe-amp",
	},
};

static struct platform_device *reprobe_amp_pdev;

static int __init reprobe_amp_init(void)
{
	int ret;

	reprobe_amp_pdev = platform_device_register_simple("reprobe-amp", PLATFORM_DEVID_NONE,
							   NULL, 0);
	if (IS_ERR(reprobe_amp_pdev))
		return PTR_ERR(reprobe_amp_pdev);
	ret = platform_driver_register(&reprobe_amp_driver);
	if (ret)
		platform_device_unregister(reprobe_amp_pdev);
	return ret;
}

static void __exit reprobe_amp_exit(void)
{
	platform_driver_unregister(&reprobe_amp_driver);
	platform_device_unregister(reprobe_amp_pdev);
}

module_init(reprobe_amp_init);
module_exit(reprobe_amp_exit);
MODULE_DESCRIPTION("reprobe test: second ASoC provider (codec) for the enact scenarios");
MODULE_LICENSE("GPL");
