/* A small libudev client for the preload tests (tests/preload/clients_test.sh): enumerates the
 * sound devices present at start, then listens on a udev monitor for sound events until a
 * timeout, printing one line per device or event:
 *   enumerate SYSPATH
 *   EVENT SYSPATH replay=SECONDS
 * replay= is the time on the trace's clock when the event arrived, computed from the variables
 * `reprobe preload` exports (REPROBE_PRELOAD_AT_NS, _T0_NS, _SPEED); "-" outside preload.
 * usage: udev_sound_client TIMEOUT_SECONDS
 *        udev_sound_client --now     prints replay=SECONDS (the replay clock now) and exits
 *        udev_sound_client --stamp   copies stdin to stdout, each line prefixed with
 *                                    "replay=SECONDS " read when the line arrived */
#define _POSIX_C_SOURCE 200809L  // getline
#include <libudev.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double replay_now(void) {
  const char *at = getenv("REPROBE_PRELOAD_AT_NS"), *t0 = getenv("REPROBE_PRELOAD_T0_NS"),
             *speed = getenv("REPROBE_PRELOAD_SPEED");
  struct timespec ts;
  if (!at || !t0 || !speed) return -1;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  double wall = (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec - strtod(t0, NULL);
  return (strtod(at, NULL) + wall * strtod(speed, NULL)) / 1e9;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: udev_sound_client TIMEOUT_SECONDS | --now | --stamp\n");
    return 2;
  }
  if (strcmp(argv[1], "--now") == 0) {  // the replay clock now, for a client started after this
    printf("replay=%.6f\n", replay_now());
    return 0;
  }
  if (strcmp(argv[1], "--stamp") == 0) {  // an upper bound on when each line was written
    char* line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, stdin) > 0) {
      printf("replay=%.6f %s", replay_now(), line);
      fflush(stdout);
    }
    free(line);
    return 0;
  }
  const double timeout = strtod(argv[1], NULL);
  struct udev* udev = udev_new();
  if (!udev) {
    fprintf(stderr, "udev_sound_client: udev_new failed\n");
    return 1;
  }
  struct udev_monitor* mon = udev_monitor_new_from_netlink(udev, "udev");
  if (!mon || udev_monitor_filter_add_match_subsystem_devtype(mon, "sound", NULL) < 0 ||
      udev_monitor_enable_receiving(mon) < 0) {
    fprintf(stderr, "udev_sound_client: cannot listen on a udev monitor\n");
    return 1;
  }
  struct udev_enumerate* en = udev_enumerate_new(udev);
  udev_enumerate_add_match_subsystem(en, "sound");
  udev_enumerate_scan_devices(en);
  struct udev_list_entry* e;
  udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en)) printf("enumerate %s\n", udev_list_entry_get_name(e));
  fflush(stdout);
  udev_enumerate_unref(en);
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    double left = timeout - ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9);
    if (left <= 0) break;
    struct pollfd p = {udev_monitor_get_fd(mon), POLLIN, 0};
    if (poll(&p, 1, (int)(left * 1000) + 1) <= 0) continue;
    struct udev_device* d = udev_monitor_receive_device(mon);
    if (!d) continue;
    double t = replay_now();
    if (t >= 0)
      printf("%s %s replay=%.3f\n", udev_device_get_action(d), udev_device_get_syspath(d), t);
    else
      printf("%s %s replay=-\n", udev_device_get_action(d), udev_device_get_syspath(d));
    fflush(stdout);
    udev_device_unref(d);
  }
  udev_monitor_unref(mon);
  udev_unref(udev);
  return 0;
}
