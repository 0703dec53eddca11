/* Configuration: one INI file per daemon, read with GLib's GKeyFile against a
 * table of known options. Every option has a default, so a daemon runs with
 * no file at all; a file may set any subset.
 *
 * Anything wrong in the file (unknown group or key, wrong type, value out of
 * range, unreadable file) is reported as ONE line naming the file, the key and
 * the problem, and the daemon exits with code 2 before starting anything. */
#ifndef PARLOUR_CONFIG_H
#define PARLOUR_CONFIG_H

#include <stddef.h>

typedef enum {
  CONFIG_STRING,  /* char *  (g_strdup'd; empty string allowed) */
  CONFIG_INT,     /* int, within [min, max] */
  CONFIG_BOOL,    /* int, 0 or 1; "true"/"false" in the file */
  CONFIG_STRLIST, /* char ** (NULL-terminated, g_strfreev'd); "a;b;c" in the file */
  CONFIG_LOGLEVEL /* int (LogLevel); debug|info|warn|error */
} ConfigType;

typedef struct {
  const char *group;
  const char *key;
  ConfigType type;
  const char *def; /* default, written as it would be in the file */
  size_t offset;   /* where the value lives in the daemon's config struct */
  long min, max;   /* CONFIG_INT only */
  const char *help;
} ConfigOption;

/* The exit code for every configuration and start-up error. */
#define CONFIG_EXIT_CODE 2

/* Fills *out with the defaults, then (when path is not NULL) the values in
 * path. Returns 0, or -1 with a one-line message in err (no trailing
 * newline). On error *out still holds valid (default or read) values and must
 * be released with config_free. */
int config_load(const char *path, const ConfigOption *opts, void *out, char *err,
                size_t errsize);

/* Frees the strings and lists config_load allocated in *out. */
void config_free(const ConfigOption *opts, void *out);

/* Formats the standard one-line error for a problem found after loading (for
 * example a port already in use when binding):
 *   config FILE: [group] key: problem */
void config_format_error(char *err, size_t errsize, const char *path, const char *group,
                         const char *key, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Reads a secret file (a shared secret, a service credential): its text
 * with surrounding white space removed, at least CONFIG_SECRET_MIN
 * characters (anything shorter is a mistake, not a secret). NULL with a
 * one-line reason naming the file in err otherwise. The caller g_frees it
 * (cleansing it first where it matters). */
#define CONFIG_SECRET_MIN 16
char *config_read_secret(const char *path, char *err, size_t errsize);

/* Writes every option, its default and help to stdout (for --help). */
void config_print_help(const ConfigOption *opts);

/* Writes an INI file to stdout with every option commented out at its
 * default, each under its help text (for configs/ and --print-config). */
void config_print_ini(const char *daemon, const ConfigOption *opts);

#endif
