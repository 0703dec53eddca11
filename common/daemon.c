#include "daemon.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "timeutil.h"
#include "version.h"

static const char *g_name = "parlour";
static int64_t g_started_us;

void daemon_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", g_name);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(CONFIG_EXIT_CODE);
}

static void usage(const DaemonInfo *info) {
  printf("Usage: %s [--config FILE]\n%s\n\n"
         "  --config FILE   read settings from FILE (INI); without it, defaults apply\n"
         "  --help          show this help and every setting with its default\n"
         "  --version       print the version\n"
         "  --check-config  load and validate the configuration as start-up does, report\n"
         "                  any error, and exit (port binding is checked at start-up only)\n"
         "  --print-config  print every setting with its default as an INI file\n\nSettings:\n",
         info->name, info->summary);
  config_print_help(info->options);
}

const char *daemon_init(int argc, char **argv, const DaemonInfo *info) {
  g_name = info->name;
  g_started_us = time_mono_us();
  const char *path = NULL;
  int check_only = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(info);
      exit(0);
    } else if (strcmp(argv[i], "--version") == 0) {
      printf("%s %s\n", info->name, PARLOUR_VERSION);
      exit(0);
    } else if (strcmp(argv[i], "--print-config") == 0) {
      config_print_ini(info->name, info->options);
      exit(0);
    } else if (strcmp(argv[i], "--check-config") == 0) {
      check_only = 1;
    } else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      path = argv[++i];
    } else if (strncmp(argv[i], "--config=", 9) == 0) {
      path = argv[i] + 9;
    } else {
      daemon_fail("unknown argument \"%s\" (try --help)", argv[i]);
    }
  }
  char err[1024];
  if (config_load(path, info->options, info->config, err, sizeof err) != 0)
    daemon_fail("%s", err);
  if (info->validate && info->validate(info->config, path, err, sizeof err) != 0)
    daemon_fail("%s", err);
  if (check_only) {
    printf("%s: configuration %s is valid\n", info->name, path ? path : "(defaults)");
    exit(0);
  }
  /* SIGPIPE would kill us on a peer that hangs up mid-write. */
  signal(SIGPIPE, SIG_IGN);
  return path;
}

static gboolean on_signal(gpointer loop) {
  log_info("stopping", "reason=signal");
  g_main_loop_quit(loop);
  return G_SOURCE_CONTINUE;
}

GMainLoop *daemon_loop_new(void) {
  GMainLoop *loop = g_main_loop_new(NULL, FALSE);
  g_unix_signal_add(SIGINT, on_signal, loop);
  g_unix_signal_add(SIGTERM, on_signal, loop);
  return loop;
}

char *daemon_healthz_json(void) {
  return g_strdup_printf("{\"status\":\"ok\",\"service\":\"%s\",\"version\":\"%s\","
                         "\"uptime_s\":%lld}",
                         g_name, PARLOUR_VERSION,
                         (long long)((time_mono_us() - g_started_us) / 1000000));
}
