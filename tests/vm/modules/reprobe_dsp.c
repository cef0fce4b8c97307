// SPDX-License-Identifier: GPL-2.0
/*
 * reprobe_dsp - a SOF-like ASoC provider for the reprobe VM harness.
 *
 * The module creates its own platform device "reprobe-dsp" and registers a
 * platform driver for it.  Like SOF (sof_pci_probe -> schedule_work(probe_work),
 * kernel-model.md §5.2), the probe returns 0 at once -- the device is "bound",
 * driver_bound() fires its deferred-probe trigger -- and the real ASoC component
 * (component driver "reprobe-dsp", one CPU DAI "reprobe-dsp-dai") is registered
 * LATER, outside any probe, so the driver core never re-triggers for it:
 *
 *   mode=work  probe queues a work item on system_wq; the work sleeps delay_ms
 *              (the "DSP boot") and then registers the component
 *              (work function: reprobe_dsp_probe_work).
 *   mode=fw    probe calls request_firmware_nowait(fw_name); the completion
 *              callback (reprobe_dsp_fw_cb, run from request_firmware_work_func
 *              in a kworker) sleeps delay_ms and registers the component.
 *   mode=sync  the component is registered inside probe (the control case).
 *   mode=inline / inline-fw  the sync-provider policy enacted: probe runs the work
 *              item's body (msleep(delay_ms), register), or request_firmware()
 *              plus the callback's body, before it returns.
 *
 * Component name = dev_name = "reprobe-dsp" (what a dai_link .platforms/.name
 * matches); the DAI is found by name "reprobe-dsp-dai".
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

static char *mode = "work";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "when to register the component: work|fw|sync|inline|inline-fw (default work)");

static unsigned int delay_ms = 300;
module_param(delay_ms, uint, 0444);
MODULE_PARM_DESC(delay_ms, "delay before the component registration in work/fw mode (ms, default 300)");

static char *fw_name = "reprobe/dsp.bin";
module_param(fw_name, charp, 0444);
MODULE_PARM_DESC(fw_name, "firmware file requested in fw mode (default reprobe/dsp.bin)");

enum reprobe_dsp_mode { MODE_WORK, MODE_FW, MODE_SYNC };

struct reprobe_dsp {
	struct device *dev;
	enum reprobe_dsp_mode mode;
	struct work_struct probe_work;
	struct completion fw_done;
	bool fw_pending;
};

static const struct snd_soc_component_driver reprobe_dsp_component = {
	.name = "reprobe-dsp",
};

static struct snd_soc_dai_driver reprobe_dsp_dai = {
	.name = "reprobe-dsp-dai",
	.playback = {
		.stream_name = "DSP Playback",
		.channels_min = 1,
		.channels_max = 8,
		.rates = SNDRV_PCM_RATE_8000_48000,
		.formats = SNDRV_PCM_FMTBIT_S16_LE | SNDRV_PCM_FMTBIT_S24_LE |
			   SNDRV_PCM_FMTBIT_S32_LE,
	},
	.capture = {
		.stream_name = "DSP Capture",
		.channels_min = 1,
		.channels_max = 8,
		.rates = SNDRV_PCM_RATE_8000_48000,
		.formats = SNDRV_PCM_FMTBIT_S16_LE | SNDRV_PCM_FMTBIT_S24_LE |
			   SNDRV_PCM_FMTBIT_S32_LE,
	},
};

static int reprobe_dsp_register_component(struct reprobe_dsp *dsp, const char *ctx)
{
	int ret;

	ret = devm_snd_soc_register_component(dsp->dev, &reprobe_dsp_component,
					      &reprobe_dsp_dai, 1);
	if (ret)
		dev_err(dsp->dev, "reprobe: component registration failed (%s): %d\n", ctx, ret);
	else
		dev_info(dsp->dev, "reprobe: component reprobe-dsp registered (%s)\n", ctx);
	return ret;
}

static void reprobe_dsp_probe_work(struct work_struct *work)
{
	struct reprobe_dsp *dsp = container_of(work, struct reprobe_dsp, probe_work);

	if (delay_ms)
		msleep(delay_ms);
	reprobe_dsp_register_component(dsp, "work");
}

static void reprobe_dsp_fw_cb(const struct firmware *fw, void *context)
{
	struct reprobe_dsp *dsp = context;

	if (!fw) {
		dev_err(dsp->dev, "reprobe: firmware %s not found, component NOT registered\n",
			fw_name);
	} else {
		dev_info(dsp->dev, "reprobe: firmware %s loaded (%zu bytes)\n", fw_name, fw->size);
		if (delay_ms)
			msleep(delay_ms);
		reprobe_dsp_register_component(dsp, "firmware callback");
		release_firmware(fw);
	}
	complete(&dsp->fw_done);
}

/* mode=inline / inline-fw (the sync-provider policy enacted): the late work runs
 * inside probe -- the work item's body (msleep(delay_ms), register), or for
 * inline-fw a synchronous request_firmware() plus the firmware callback's body */
static int reprobe_dsp_inline(struct reprobe_dsp *dsp, bool fw_first)
{
	const struct firmware *fw = NULL;
	int ret;

	if (fw_first) {
		ret = request_firmware(&fw, fw_name, dsp->dev);
		if (ret)
			return dev_err_probe(dsp->dev, ret, "reprobe: firmware %s not found\n", fw_name);
		dev_info(dsp->dev, "reprobe: firmware %s loaded in probe (%zu bytes)\n", fw_name, fw->size);
	}
	if (delay_ms)
		msleep(delay_ms);
	ret = reprobe_dsp_register_component(dsp, fw_first ? "probe, inline firmware" : "probe, inline work");
	release_firmware(fw);
	return ret;
}

static int reprobe_dsp_probe(struct platform_device *pdev)
{
	struct reprobe_dsp *dsp;
	int ret;

	dsp = devm_kzalloc(&pdev->dev, sizeof(*dsp), GFP_KERNEL);
	if (!dsp)
		return -ENOMEM;
	dsp->dev = &pdev->dev;
	init_completion(&dsp->fw_done);
	INIT_WORK(&dsp->probe_work, reprobe_dsp_probe_work);
	platform_set_drvdata(pdev, dsp);

	if (!strcmp(mode, "inline") || !strcmp(mode, "inline-fw")) {
		dev_info(&pdev->dev, "reprobe: probe mode=%s delay_ms=%u\n", mode, delay_ms);
		return reprobe_dsp_inline(dsp, !strcmp(mode, "inline-fw"));
	}
	if (!strcmp(mode, "sync"))
		dsp->mode = MODE_SYNC;
	else if (!strcmp(mode, "fw"))
		dsp->mode = MODE_FW;
	else if (!strcmp(mode, "work"))
		dsp->mode = MODE_WORK;
	else
		return dev_err_probe(&pdev->dev, -EINVAL, "reprobe: bad mode '%s'\n", mode);

	dev_info(&pdev->dev, "reprobe: probe mode=%s delay_ms=%u\n", mode, delay_ms);

	switch (dsp->mode) {
	case MODE_SYNC:
		return reprobe_dsp_register_component(dsp, "probe");
	case MODE_WORK:
		schedule_work(&dsp->probe_work);
		return 0;
	case MODE_FW:
		dsp->fw_pending = true;
		ret = request_firmware_nowait(THIS_MODULE, true, fw_name, &pdev->dev,
					      GFP_KERNEL, dsp, reprobe_dsp_fw_cb);
		if (ret) {
			dsp->fw_pending = false;
			return dev_err_probe(&pdev->dev, ret, "reprobe: request_firmware_nowait failed\n");
		}
		return 0;
	}
	return 0;
}

static void reprobe_dsp_teardown(struct platform_device *pdev)
{
	struct reprobe_dsp *dsp = platform_get_drvdata(pdev);

	cancel_work_sync(&dsp->probe_work);
	if (dsp->fw_pending)
		wait_for_completion(&dsp->fw_done);
}

/* platform_driver::remove returns void since 6.11 (int before) */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
static void reprobe_dsp_remove(struct platform_device *pdev)
{
	reprobe_dsp_teardown(pdev);
}
#else
static int reprobe_dsp_remove(struct platform_device *pdev)
{
	reprobe_dsp_teardown(pdev);
	return 0;
}
#endif

static struct platform_driver reprobe_dsp_driver = {
	.probe = reprobe_dsp_probe,
	.remove = reprobe_dsp_remove,
	.driver = {
		.name = "reprobe-dsp",
	},
};

static struct platform_device *reprobe_dsp_pdev;

static int __init reprobe_dsp_init(void)
{
	int ret;

	/* device first, then the driver: the bind goes through driver_register ->
	 * __driver_attach, like a PCI DSP whose driver module is loaded by udev. */
	reprobe_dsp_pdev = platform_device_register_simple("reprobe-dsp", PLATFORM_DEVID_NONE,
							   NULL, 0);
	if (IS_ERR(reprobe_dsp_pdev))
		return PTR_ERR(reprobe_dsp_pdev);
	ret = platform_driver_register(&reprobe_dsp_driver);
	if (ret)
		platform_device_unregister(reprobe_dsp_pdev);
	return ret;
}

static void __exit reprobe_dsp_exit(void)
{
	platform_driver_unregister(&reprobe_dsp_driver);
	platform_device_unregister(reprobe_dsp_pdev);
}

module_init(reprobe_dsp_init);
module_exit(reprobe_dsp_exit);
MODULE_DESCRIPTION("reprobe test: SOF-like ASoC provider registering its component late");
MODULE_LICENSE("GPL");
