// reprobe boot enable [--output DIR] [--max-size MB] [--duration S] [--idle S] [--keep N]
// reprobe boot disable | status | list [--output DIR]
// reprobe boot run ...   (what the installed unit executes)
// reprobe boot unit [--exec PATH]   (the unit text, for packaging: meson install uses it)
//
// Boot capture (docs/boot-capture.md): a systemd unit that starts `reprobe record` before
// systemd-udevd and systemd-modules-load, so the trace sees the sound modules udev loads at
// coldplug. `--root DIR` works on the system under DIR (image builders, tests): no systemctl.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "tools/commands.h"
#include "tracer/record/boot_capture.h"
#include "tracer/record/boot_initramfs.h"
#include "tracer/record/boot_run.h"
#include "tracer/record/workload.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace reprobe {
namespace {

void say(const std::string& s) { std::cerr << "reprobe boot: " << s << "\n"; }

struct BootArgs {
  BootCaptureConfig config;
  std::string root;           // "" = this system
  std::string exec;           // `unit`: the binary path the unit runs
  bool in_initramfs = false;  // `run`: started by the initramfs script
  bool help = false;
  po::variables_map vm;
};

po::options_description boot_options(BootArgs& a) {
  po::options_description opts("reprobe boot options");
  auto& c = a.config;
  opts.add_options()("help,h", "show this help")("output,o", po::value(&c.output_dir)->default_value(c.output_dir),
                                                 "directory of the boot traces (DIR/boot-<boot_id>.trace)")(
      "max-size", po::value(&c.max_size_mb)->default_value(c.max_size_mb),
      "stop recording when the trace reaches MB megabytes")(
      "duration", po::value(&c.duration_s)->default_value(c.duration_s), "stop at the latest S seconds after start")(
      "idle", po::value(&c.idle_s)->default_value(c.idle_s), "stop after S seconds without any event")(
      "keep", po::value(&c.keep)->default_value(c.keep), "boot traces to keep in DIR (the oldest go first)")(
      "attach-timeout", po::value(&c.attach_timeout_s)->default_value(c.attach_timeout_s),
      "let the boot go on after S seconds even if the recorder has not attached yet")(
      "preload", po::value(&c.preload)->default_value(c.preload),
      "modules (comma-separated, '' for none) loaded before the recorder attaches, so hooks in them see "
      "everything")(
      "initramfs", po::bool_switch(&c.initramfs),
      "also record from the initramfs (initramfs-tools: sound modules loaded there; runs update-initramfs)")(
      "root", po::value(&a.root), "work on the system installed under DIR (no systemctl or update-initramfs call)");
  return opts;
}

void print_usage(const po::options_description& opts) {
  std::cout << "usage: reprobe boot enable [--output DIR] [--max-size MB] [--duration S] [--idle S] [--keep N]\n"
               "                          [--attach-timeout S] [--preload MODULES] [--initramfs] [--root DIR]\n"
               "       reprobe boot disable | status | list\n\n"
               "Record the next boots: 'enable' installs the systemd unit "
            << kBootUnitName
            << " that starts\n"
               "'reprobe record' before systemd-udevd and systemd-modules-load, so the trace sees the sound\n"
               "modules udev loads at coldplug. It stops by itself (idle, --duration, --max-size) and writes\n"
               "DIR/boot-<boot_id>.trace; the newest is 'reprobe report --last-boot'. 'disable' removes the\n"
               "unit (the traces stay), 'status' shows what is installed, 'list' the traces.\n"
               "With --initramfs the capture starts in the initramfs (initramfs-tools), before the modules\n"
               "loaded there, and goes on across the switch to the real root.\n"
               "See docs/boot-capture.md.\n\n"
            << opts
            << "\nexit status: 0 done, 2 bad usage or a file could not be written\n"
               "\nexamples:\n"
               "  sudo reprobe boot enable --output /var/log/reprobe\n"
               "  sudo reprobe boot enable --initramfs     # sound modules loaded from the initramfs\n"
               "  sudo reboot; reprobe report --last-boot\n"
               "  sudo reprobe boot disable\n";
}

fs::path under_root(const BootArgs& a, const std::string& p) {
  return a.root.empty() ? fs::path(p) : fs::path(a.root + p);
}
fs::path unit_path(const BootArgs& a) { return under_root(a, std::string(kBootUnitDir) + "/" + kBootUnitName); }
fs::path wants_path(const BootArgs& a) { return under_root(a, std::string(kBootWantsDir) + "/" + kBootUnitName); }

void reload_systemd(const BootArgs& a) {
  if (!a.root.empty() || !fs::exists("/run/systemd/system")) return;  // systemd is not running here
  if (const int rc = run_command({"systemctl", "daemon-reload"}); rc != 0)
    say(fmt::format("systemctl daemon-reload: exit {}", rc));
}

bool write_file_atomically(const fs::path& p, const std::string& text) {
  std::error_code ec;
  fs::create_directories(p.parent_path(), ec);
  const fs::path tmp = p.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) {
      say(tmp.string() + ": cannot write");
      return false;
    }
  }
  fs::rename(tmp, p, ec);
  if (ec) say(fmt::format("{}: cannot install: {}", p.string(), ec.message()));
  return !ec;
}

// initramfs-tools is installed (under --root): its hook directory exists.
bool have_initramfs_tools(const BootArgs& a) { return fs::exists(under_root(a, "/usr/share/initramfs-tools/hooks")); }

// Rebuilds the initramfs of the running kernel (not under --root: says what to run instead).
bool update_initramfs(const BootArgs& a) {
  if (!a.root.empty()) {
    std::cout << fmt::format("rebuild its initramfs to apply: chroot {} update-initramfs -u\n", a.root);
    return true;
  }
  std::cout << "running update-initramfs -u\n" << std::flush;
  if (const int rc = run_command({"update-initramfs", "-u"}); rc != 0) {
    say(fmt::format("update-initramfs -u: exit {}; run it again once fixed", rc));
    return false;
  }
  return true;
}

// The hook and init-top script this binary wrote under /etc/initramfs-tools (recognised by
// their marker line); how many were removed.
int remove_local_initramfs_files(const BootArgs& a) {
  int removed = 0;
  for (const char* p : {kInitramfsHookLocal, kInitramfsScriptLocal}) {
    std::ifstream in(under_root(a, p));
    std::string shebang;
    std::string marker;
    if (!in || !std::getline(in, shebang) || !std::getline(in, marker) || marker != kInitramfsMarker) continue;
    in.close();
    std::error_code ec;
    if (fs::remove(under_root(a, p), ec)) {
      std::cout << "removed " << under_root(a, p).string() << "\n";
      ++removed;
    }
  }
  return removed;
}

// The initramfs part of `enable --initramfs`: the packaged hook and script when they are in
// initramfs-tools' directory, else copies under /etc/initramfs-tools; then update-initramfs.
bool enable_initramfs(const BootArgs& a) {
  std::error_code ec;
  if (fs::exists(under_root(a, kInitramfsHookPackaged), ec) && fs::exists(under_root(a, kInitramfsScriptPackaged))) {
    remove_local_initramfs_files(a);
    std::cout << fmt::format("initramfs hook {} and script {} (packaged)\n", kInitramfsHookPackaged,
                             kInitramfsScriptPackaged);
  } else {
    for (const auto& [path, text] : {std::pair{kInitramfsHookLocal, initramfs_hook_text()},
                                     std::pair{kInitramfsScriptLocal, initramfs_script_text()}}) {
      if (!write_file_atomically(under_root(a, path), text)) return false;
      fs::permissions(under_root(a, path), fs::perms(0755), ec);
      std::cout << "installed " << under_root(a, path).string() << "\n";
    }
  }
  return update_initramfs(a);
}

int enable(const BootArgs& a) {
  if (const std::string bad = check_boot_config(a.config); !bad.empty()) {
    say(bad);
    return 2;
  }
  if (a.config.initramfs && !have_initramfs_tools(a)) {
    say("--initramfs needs initramfs-tools (" + under_root(a, "/usr/share/initramfs-tools/hooks").string() +
        " is missing); nothing installed");
    return 2;
  }
  std::error_code ec;
  std::string exe = fs::read_symlink("/proc/self/exe", ec).string();
  if (ec) {
    say("cannot tell where this reprobe binary is (/proc/self/exe)");
    return 2;
  }
  if (!a.root.empty() && exe.rfind(a.root, 0) == 0) exe = exe.substr(a.root.size());
  if (!write_file_atomically(unit_path(a), boot_unit_text(exe, a.config))) return 2;
  fs::create_directories(wants_path(a).parent_path(), ec);
  fs::remove(wants_path(a), ec);
  fs::create_symlink(std::string(kBootUnitDir) + "/" + kBootUnitName, wants_path(a), ec);
  if (ec) {
    say(fmt::format("{}: cannot create the link: {}", wants_path(a).string(), ec.message()));
    return 2;
  }
  fs::create_directories(under_root(a, a.config.output_dir), ec);
  reload_systemd(a);
  std::cout << fmt::format("installed {}\nenabled  {}\n", unit_path(a).string(), wants_path(a).string());
  if (a.config.initramfs && !enable_initramfs(a)) return 2;
  if (!a.config.initramfs && remove_local_initramfs_files(a) > 0) update_initramfs(a);
  std::cout << fmt::format("the next boot is recorded to {}/boot-<boot_id>.trace\n", a.config.output_dir);
  return 0;
}

// The configuration of the installed unit, or the command line's when none is installed.
BootCaptureConfig installed_config(const BootArgs& a, bool& installed) {
  std::ifstream in(unit_path(a));
  installed = static_cast<bool>(in);
  if (!installed) return a.config;
  std::stringstream text;
  text << in.rdbuf();
  auto c = parse_boot_unit(text.str(), unit_path(a).string());
  if (!c) {
    say(c.error().str());
    return a.config;
  }
  return *c;
}

int disable(const BootArgs& a) {
  bool installed = false;
  const bool was_initramfs = installed_config(a, installed).initramfs && installed;
  int removed = 0;
  for (const fs::path& p : {wants_path(a), unit_path(a)}) {
    std::error_code ec;
    if (fs::remove(p, ec)) {
      std::cout << "removed " << p.string() << "\n";
      ++removed;
    } else if (ec) {
      say(fmt::format("{}: cannot remove: {}", p.string(), ec.message()));
      return 2;
    }
  }
  bool initramfs = false;
  if (const int local = remove_local_initramfs_files(a); local > 0) {
    removed += local;
    initramfs = true;
  }
  if (removed == 0) std::cout << "boot capture was not enabled; nothing to remove\n";
  reload_systemd(a);
  // The packaged hook adds nothing once the unit is gone; the current initramfs still starts a capture.
  if ((initramfs || was_initramfs) && have_initramfs_tools(a) && !update_initramfs(a)) return 2;
  return 0;
}

int status(const BootArgs& a) {
  bool installed = false;
  const BootCaptureConfig c = installed_config(a, installed);
  std::error_code ec;
  const bool enabled = fs::is_symlink(wants_path(a), ec);
  std::cout << fmt::format("unit     {} ({})\n", unit_path(a).string(),
                           !installed ? "not installed"
                           : enabled  ? "enabled"
                                      : "installed, not enabled");
  if (!installed) return 0;
  std::cout << fmt::format("output   {} (keep {}, max {} MB, duration {} s, idle {} s, attach timeout {} s)\n",
                           c.output_dir, c.keep, c.max_size_mb, c.duration_s, c.idle_s, c.attach_timeout_s);
  const auto traces = list_boot_traces(under_root(a, c.output_dir).string());
  std::cout << fmt::format("traces   {}{}\n", traces.size(),
                           traces.empty() ? "" : ", newest " + traces.back().path.string());
  if (c.initramfs) {
    std::error_code ec;
    const bool packaged = fs::exists(under_root(a, kInitramfsHookPackaged), ec);
    const bool local = fs::exists(under_root(a, kInitramfsHookLocal), ec);
    std::cout << fmt::format("initramfs {}; its messages: {}\n",
                             packaged ? std::string("hook ") + kInitramfsHookPackaged
                             : local  ? std::string("hook ") + kInitramfsHookLocal
                                      : std::string("asked for, but no initramfs-tools hook is "
                                                     "installed (run 'reprobe boot enable "
                                                     "--initramfs' again)"),
                             kInitramfsLog);
  }
  return 0;
}

int list(const BootArgs& a) {
  bool installed = false;
  const BootCaptureConfig c = a.vm["output"].defaulted() ? installed_config(a, installed) : a.config;
  for (const auto& t : list_boot_traces(under_root(a, c.output_dir).string()))
    std::cout << fmt::format("{} {}\n", t.path.string(), t.size);
  return 0;
}

int run(const BootArgs& a) {
  if (const std::string bad = check_boot_config(a.config); !bad.empty()) {
    say(bad);
    return 2;
  }
  BootRunOptions o;
  o.config = a.config;
  o.in_initramfs = a.in_initramfs;
  o.attach_timeout_s = a.config.attach_timeout_s;
  std::error_code ec;
  o.reprobe_exe = fs::read_symlink("/proc/self/exe", ec).string();
  o.log = [](const std::string& s) { std::cerr << "reprobe boot run: " << s << "\n"; };
  return run_boot_capture(o);
}

}  // namespace

int cmd_boot(const std::vector<std::string>& args) {
  BootArgs a;
  po::options_description opts = boot_options(a);
  po::options_description all = opts;
  std::string action;
  all.add_options()("action", po::value(&action))("exec", po::value(&a.exec))("in-initramfs",
                                                                              po::bool_switch(&a.in_initramfs));
  po::positional_options_description pos;
  pos.add("action", 1);
  po::store(po::command_line_parser(args).options(all).positional(pos).run(), a.vm);
  po::notify(a.vm);
  if (a.vm.count("help") || action == "help") {
    print_usage(opts);
    return 0;
  }
  if (!a.root.empty() && a.root.back() == '/') a.root.pop_back();
  if (std::error_code ec; !a.root.empty() && !fs::is_directory(a.root, ec)) {
    say(fmt::format("--root {}: not a directory (the root of an installed system)", a.root));
    return 2;
  }
  if (a.config.preload == "-") a.config.preload.clear();  // how the unit writes "none"
  if (action == "enable") return enable(a);
  if (action == "disable") return disable(a);
  if (action == "status") return status(a);
  if (action == "list") return list(a);
  if (action == "run") return run(a);
  if (action == "initramfs-config") {  // what the initramfs-tools hook asks (tracer/record/boot_initramfs.h)
    bool installed = false;
    const BootCaptureConfig c = installed_config(a, installed);
    if (!installed || !c.initramfs) {
      say(fmt::format("{} is not installed with --initramfs", unit_path(a).string()));
      return 1;
    }
    std::cout << initramfs_config_text(c);
    return 0;
  }
  if (action == "initramfs-hook" || action == "initramfs-script") {  // for packaging (tools/meson.build)
    std::cout << (action == "initramfs-hook" ? initramfs_hook_text() : initramfs_script_text());
    return 0;
  }
  if (action == "unit") {  // the unit text, for packaging (tools/meson.build installs it)
    if (const std::string bad = check_boot_config(a.config); !bad.empty()) {
      say(bad);
      return 2;
    }
    std::cout << boot_unit_text(a.exec.empty() ? "/usr/bin/reprobe" : a.exec, a.config);
    return 0;
  }
  say(action.empty() ? "which action? enable, disable, status or list (see 'reprobe boot --help')"
                     : "unknown action '" + action + "': enable, disable, status or list");
  return 2;
}

}  // namespace reprobe
