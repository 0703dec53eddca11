#include "config.h"

#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define FIELD(out, off, T) ((T *)((char *)(out) + (off)))

void config_format_error(char *err, size_t errsize, const char *path, const char *group,
                         const char *key, const char *fmt, ...) {
  char problem[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(problem, sizeof problem, fmt, ap);
  va_end(ap);
  const char *p = path ? path : "(defaults)";
  if (group && key)
    snprintf(err, errsize, "config %s: [%s] %s: %s", p, group, key, problem);
  else if (group)
    snprintf(err, errsize, "config %s: [%s]: %s", p, group, problem);
  else
    snprintf(err, errsize, "config %s: %s", p, problem);
}

/* Parses text into the field; returns NULL or a static description of the
 * problem. Shared by defaults and file values so both obey one grammar. */
static const char *parse_value(const ConfigOption *o, const char *text, void *out,
                               char *detail, size_t dsize) {
  switch (o->type) {
  case CONFIG_STRING: {
    char **f = FIELD(out, o->offset, char *);
    g_free(*f);
    *f = g_strdup(text);
    return NULL;
  }
  case CONFIG_INT: {
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (!*text || errno || !end || *end != '\0') {
      snprintf(detail, dsize, "expected an integer, got \"%s\"", text);
      return detail;
    }
    if (v < o->min || v > o->max) {
      snprintf(detail, dsize, "%ld is out of range %ld..%ld", v, o->min, o->max);
      return detail;
    }
    *FIELD(out, o->offset, int) = (int)v;
    return NULL;
  }
  case CONFIG_BOOL:
    if (strcmp(text, "true") == 0) {
      *FIELD(out, o->offset, int) = 1;
      return NULL;
    }
    if (strcmp(text, "false") == 0) {
      *FIELD(out, o->offset, int) = 0;
      return NULL;
    }
    snprintf(detail, dsize, "expected true or false, got \"%s\"", text);
    return detail;
  case CONFIG_STRLIST: {
    char ***f = FIELD(out, o->offset, char **);
    g_strfreev(*f);
    GPtrArray *a = g_ptr_array_new();
    char **parts = g_strsplit(text, ";", -1);
    for (char **p = parts; *p; p++) {
      char *s = g_strstrip(*p);
      if (*s) g_ptr_array_add(a, g_strdup(s));
    }
    g_strfreev(parts);
    g_ptr_array_add(a, NULL);
    *f = (char **)g_ptr_array_free(a, FALSE);
    return NULL;
  }
  case CONFIG_LOGLEVEL: {
    LogLevel l;
    if (log_level_parse(text, &l) != 0) {
      snprintf(detail, dsize, "expected debug, info, warn or error, got \"%s\"", text);
      return detail;
    }
    *FIELD(out, o->offset, int) = (int)l;
    return NULL;
  }
  }
  return "unknown option type";
}

static const ConfigOption *find_option(const ConfigOption *opts, const char *g,
                                       const char *k) {
  for (const ConfigOption *o = opts; o->group; o++)
    if (strcmp(o->group, g) == 0 && (!k || strcmp(o->key, k) == 0)) return o;
  return NULL;
}

int config_load(const char *path, const ConfigOption *opts, void *out, char *err,
                size_t errsize) {
  char detail[256];
  for (const ConfigOption *o = opts; o->group; o++) {
    const char *why = parse_value(o, o->def, out, detail, sizeof detail);
    if (why) { /* a programming error in a daemon's table; say so loudly */
      config_format_error(err, errsize, NULL, o->group, o->key, "bad built-in default: %s",
                          why);
      return -1;
    }
  }
  if (!path) return 0;

  GKeyFile *kf = g_key_file_new();
  GError *gerr = NULL;
  if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &gerr)) {
    config_format_error(err, errsize, path, NULL, NULL, "%s", gerr->message);
    g_error_free(gerr);
    g_key_file_free(kf);
    return -1;
  }
  int rc = 0;
  gsize ngroups = 0;
  char **groups = g_key_file_get_groups(kf, &ngroups);
  for (gsize i = 0; i < ngroups && rc == 0; i++) {
    if (!find_option(opts, groups[i], NULL)) {
      config_format_error(err, errsize, path, groups[i], NULL, "unknown group");
      rc = -1;
      break;
    }
    gsize nkeys = 0;
    char **keys = g_key_file_get_keys(kf, groups[i], &nkeys, NULL);
    for (gsize j = 0; j < nkeys; j++) {
      const ConfigOption *o = find_option(opts, groups[i], keys[j]);
      if (!o) {
        config_format_error(err, errsize, path, groups[i], keys[j], "unknown key");
        rc = -1;
        break;
      }
      /* Raw value: GKeyFile's typed getters would accept "1" as bool and
       * silently truncate ints; we want one strict grammar. */
      char *raw = g_key_file_get_value(kf, groups[i], keys[j], NULL);
      char *val = raw ? g_strstrip(raw) : NULL;
      const char *why = val ? parse_value(o, val, out, detail, sizeof detail) : "no value";
      if (why) {
        config_format_error(err, errsize, path, groups[i], keys[j], "%s", why);
        rc = -1;
      }
      g_free(raw);
      if (rc) break;
    }
    g_strfreev(keys);
  }
  g_strfreev(groups);
  g_key_file_free(kf);
  return rc;
}

void config_free(const ConfigOption *opts, void *out) {
  for (const ConfigOption *o = opts; o->group; o++) {
    if (o->type == CONFIG_STRING) {
      char **f = FIELD(out, o->offset, char *);
      g_free(*f);
      *f = NULL;
    } else if (o->type == CONFIG_STRLIST) {
      char ***f = FIELD(out, o->offset, char **);
      g_strfreev(*f);
      *f = NULL;
    }
  }
}

void config_print_help(const ConfigOption *opts) {
  const char *group = NULL;
  for (const ConfigOption *o = opts; o->group; o++) {
    if (!group || strcmp(group, o->group) != 0) {
      group = o->group;
      printf("\n  [%s]\n", group);
    }
    printf("    %-22s %s (default: %s)\n", o->key, o->help, *o->def ? o->def : "\"\"");
  }
}

void config_print_ini(const char *daemon, const ConfigOption *opts) {
  printf("# %s configuration (GLib key file). Every setting is shown with its\n"
         "# default; uncomment a line to change it. Relative paths are relative to\n"
         "# the directory the daemon is started in (the repository root for make run).\n",
         daemon);
  const char *group = NULL;
  for (const ConfigOption *o = opts; o->group; o++) {
    if (!group || strcmp(group, o->group) != 0) {
      group = o->group;
      printf("\n[%s]\n", group);
    }
    const char *type = o->type == CONFIG_INT       ? "integer"
                       : o->type == CONFIG_BOOL     ? "true or false"
                       : o->type == CONFIG_STRLIST  ? "list, ';'-separated"
                       : o->type == CONFIG_LOGLEVEL ? "debug|info|warn|error"
                                                    : "text";
    if (o->type == CONFIG_INT)
      printf("# %s (%s, %ld..%ld)\n#%s = %s\n", o->help, type, o->min, o->max, o->key, o->def);
    else
      printf("# %s (%s)\n#%s = %s\n", o->help, type, o->key, o->def);
  }
}

char *config_read_secret(const char *path, char *err, size_t errsize) {
  char *text = NULL;
  GError *ge = NULL;
  if (!path || !*path) {
    snprintf(err, errsize, "no secret file given");
    return NULL;
  }
  if (!g_file_get_contents(path, &text, NULL, &ge)) {
    snprintf(err, errsize, "cannot read %s: %s", path, ge->message);
    g_error_free(ge);
    return NULL;
  }
  g_strstrip(text);
  if (strlen(text) < CONFIG_SECRET_MIN) {
    snprintf(err, errsize, "%s holds no usable secret (under %d characters)", path,
             CONFIG_SECRET_MIN);
    g_free(text);
    return NULL;
  }
  return text;
}
