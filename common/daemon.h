/* What every Parlour daemon does the same way: command line (--config,
 * --help, --version), configuration errors as one line and exit code 2,
 * SIGINT/SIGTERM for a clean stop, and the /healthz answer. */
#ifndef PARLOUR_DAEMON_H
#define PARLOUR_DAEMON_H

#include <glib.h>

#include "config.h"

typedef struct {
  const char *name;    /* "parlour-sfu" */
  const char *summary; /* one line for --help */
  const ConfigOption *options;
  void *config; /* the struct the options fill */
  /* The daemon's <daemon>_config_validate: every check on the loaded
   * settings that needs no port bound and no database opened. Run by
   * daemon_init for --check-config and for start-up alike, so both refuse
   * the same files with the same line. NULL: none. Returns 0, or -1 with
   * the one-line "config FILE: [group] key: problem" in err. */
  int (*validate)(const void *config, const char *path, char *err, size_t errsize);
} DaemonInfo;

/* Handles the command line, loads the configuration into info->config and
 * runs info->validate. Exits 0 after --help/--version/--check-config of a
 * valid file, 2 on any usage, configuration or validation error.
 * Returns the config path (argv storage) or NULL when none was given. */
const char *daemon_init(int argc, char **argv, const DaemonInfo *info);

/* Prints "<name>: <message>" to stderr and exits with code 2. Used for
 * start-up failures so nothing is left half-started. */
void daemon_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A main loop that quits on SIGINT or SIGTERM. */
GMainLoop *daemon_loop_new(void);

/* {"status":"ok","service":...,"version":...,"uptime_s":N}; g_free it. */
char *daemon_healthz_json(void);

#endif
