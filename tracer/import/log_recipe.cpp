#include "tracer/import/log_recipe.h"

#include <fmt/format.h>

namespace reprobe {

std::string log_recipe_boot_parameters() {
  return "dyndbg=\"file drivers/base/dd.c +p\" snd_soc_core.dyndbg=+p initcall_debug log_buf_len=4M printk.time=1";
}

std::string log_recipe_text() {
  return fmt::format(
      "reprobe import --recipe: a kernel log that replays well (for machines where eBPF cannot run)\n"
      "\n"
      "1. Boot once with these kernel parameters:\n"
      "\n"
      "     {}\n"
      "\n"
      "   dyndbg=\"file drivers/base/dd.c +p\"  the driver core's probe, deferral, retry and bind lines\n"
      "   snd_soc_core.dyndbg=+p              ASoC's debug lines (components, DAIs, card binding) from its load\n"
      "   initcall_debug                      module loads, and every probe's return value and duration\n"
      "   log_buf_len=4M                      a ring buffer large enough for the whole boot with the above\n"
      "   printk.time=1                       timestamps on every line (the replay's clock)\n"
      "\n"
      "   For one boot: at the GRUB menu press 'e', append them to the line starting with 'linux', Ctrl-X.\n"
      "   For every boot: add them to GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, run update-grub\n"
      "   (systemd-boot: /etc/kernel/cmdline, then reinstall the kernel entries).\n"
      "\n"
      "2. After the boot (the card present or not), collect the kernel log of that boot:\n"
      "\n"
      "     journalctl -k -b -o short-monotonic > kernel.log     (or: sudo dmesg > kernel.log)\n"
      "     cat /sys/kernel/debug/devices_deferred >> kernel.log  (as root; what is still deferred)\n"
      "\n"
      "3. Build and replay the trace:\n"
      "\n"
      "     reprobe import kernel.log -o boot.trace\n"
      "     reprobe replay boot.trace --all-policies\n"
      "\n"
      "Remove the parameters afterwards: they make the boot log large and a little slower.\n",
      log_recipe_boot_parameters());
}

}  // namespace reprobe
