/* Configuration loading: defaults, overrides, and one clear error line per
 * kind of mistake (unknown group or key, wrong type, range, missing file). */
#include <glib.h>
#include <glib/gstdio.h>
#include <stddef.h>
#include <string.h>

#include "config.h"
#include "log.h"

typedef struct {
  char *addr;
  int port;
  int flag;
  char **list;
  int level;
} Cfg;

#define O(f) offsetof(Cfg, f)
static const ConfigOption opts[] = {
    {"net", "address", CONFIG_STRING, "127.0.0.1", O(addr), 0, 0, "address"},
    {"net", "port", CONFIG_INT, "8443", O(port), 1, 65535, "port"},
    {"net", "flag", CONFIG_BOOL, "false", O(flag), 0, 0, "a flag"},
    {"net", "list", CONFIG_STRLIST, "a;b", O(list), 0, 0, "a list"},
    {"log", "level", CONFIG_LOGLEVEL, "info", O(level), 0, 0, "level"},
    {0},
};

static char *tmpdir;

static char *write_file(const char *name, const char *text) {
  char *p = g_build_filename(tmpdir, name, NULL);
  g_assert_true(g_file_set_contents(p, text, -1, NULL));
  return p;
}

static int load(const char *text, Cfg *c, char *err, size_t n) {
  char *p = text ? write_file("c.ini", text) : NULL;
  memset(c, 0, sizeof *c);
  int rc = config_load(p, opts, c, err, n);
  g_free(p);
  return rc;
}

static void test_defaults(void) {
  Cfg c;
  char err[512];
  g_assert_cmpint(load(NULL, &c, err, sizeof err), ==, 0);
  g_assert_cmpstr(c.addr, ==, "127.0.0.1");
  g_assert_cmpint(c.port, ==, 8443);
  g_assert_cmpint(c.flag, ==, 0);
  g_assert_cmpuint(g_strv_length(c.list), ==, 2);
  g_assert_cmpint(c.level, ==, LOG_LEVEL_INFO);
  config_free(opts, &c);
}

static void test_overrides(void) {
  Cfg c;
  char err[512];
  g_assert_cmpint(load("# comment\n[net]\naddress = 10.0.0.1\nport=9000\nflag=true\n"
                       "list= x ; y;z ;\n[log]\nlevel=debug\n",
                       &c, err, sizeof err),
                  ==, 0);
  g_assert_cmpstr(c.addr, ==, "10.0.0.1");
  g_assert_cmpint(c.port, ==, 9000);
  g_assert_cmpint(c.flag, ==, 1);
  g_assert_cmpuint(g_strv_length(c.list), ==, 3);
  g_assert_cmpstr(c.list[2], ==, "z");
  g_assert_cmpint(c.level, ==, LOG_LEVEL_DEBUG);
  config_free(opts, &c);
}

static void expect_error(const char *text, const char *needle) {
  Cfg c;
  char err[512] = "";
  g_assert_cmpint(load(text, &c, err, sizeof err), ==, -1);
  g_test_message("error: %s", err);
  g_assert_nonnull(strstr(err, "c.ini"));
  g_assert_nonnull(strstr(err, needle));
  g_assert_null(strchr(err, '\n'));
  config_free(opts, &c);
}

static void test_errors(void) {
  expect_error("[net]\nbogus=1\n", "[net] bogus: unknown key");
  expect_error("[nope]\nx=1\n", "[nope]: unknown group");
  expect_error("[net]\nport=http\n", "[net] port: expected an integer");
  expect_error("[net]\nport=8443x\n", "[net] port: expected an integer");
  expect_error("[net]\nport=70000\n", "[net] port: 70000 is out of range 1..65535");
  expect_error("[net]\nport=0\n", "out of range");
  expect_error("[net]\nflag=1\n", "[net] flag: expected true or false");
  expect_error("[log]\nlevel=loud\n", "[log] level: expected debug");
  expect_error("this is not an ini file\n", "c.ini");
  expect_error("[net\nport=1\n", "c.ini");
}

static void test_missing_file(void) {
  Cfg c;
  memset(&c, 0, sizeof c);
  char err[512];
  g_assert_cmpint(config_load("/nonexistent/parlour.ini", opts, &c, err, sizeof err), ==, -1);
  g_assert_nonnull(strstr(err, "/nonexistent/parlour.ini"));
  config_free(opts, &c);
}

static void test_format_error(void) {
  char err[256];
  config_format_error(err, sizeof err, "f.ini", "server", "port", "%d is in use", 8443);
  g_assert_cmpstr(err, ==, "config f.ini: [server] port: 8443 is in use");
}

/* Secret files: trimmed text of 16+ characters, else a reason naming the
 * file; never a crash on a missing path. */
static void test_read_secret(void) {
  char dir[] = "/tmp/parlour-secret-XXXXXX";
  g_assert_nonnull(g_mkdtemp(dir));
  char *good = g_build_filename(dir, "good", NULL), *shortf = g_build_filename(dir, "short", NULL),
       *blank = g_build_filename(dir, "blank", NULL), *none = g_build_filename(dir, "none", NULL);
  g_assert_true(g_file_set_contents(good, "  0123456789abcdefXYZ\n\n", -1, NULL));
  g_assert_true(g_file_set_contents(shortf, "0123456789abcde\n", -1, NULL));
  g_assert_true(g_file_set_contents(blank, " \n\t\n", -1, NULL));
  char err[256];
  char *s = config_read_secret(good, err, sizeof err);
  g_assert_cmpstr(s, ==, "0123456789abcdefXYZ");
  g_free(s);
  const char *bad[] = {shortf, blank};
  for (int i = 0; i < 2; i++) {
    err[0] = 0;
    g_assert_null(config_read_secret(bad[i], err, sizeof err));
    g_assert_nonnull(strstr(err, bad[i]));
    g_assert_nonnull(strstr(err, "under 16"));
  }
  g_assert_null(config_read_secret(none, err, sizeof err));
  g_assert_nonnull(strstr(err, "cannot read"));
  g_assert_null(config_read_secret(NULL, err, sizeof err));
  g_assert_null(config_read_secret("", err, sizeof err));
  for (const char *const *f = (const char *const[]){good, shortf, blank, NULL}; *f; f++) g_unlink(*f);
  g_rmdir(dir);
  g_free(good);
  g_free(shortf);
  g_free(blank);
  g_free(none);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp("cfg-XXXXXX", NULL);
  g_test_add_func("/config/defaults", test_defaults);
  g_test_add_func("/config/overrides", test_overrides);
  g_test_add_func("/config/errors", test_errors);
  g_test_add_func("/config/missing_file", test_missing_file);
  g_test_add_func("/config/format_error", test_format_error);
  g_test_add_func("/config/read_secret", test_read_secret);
  int rc = g_test_run();
  char *p = g_build_filename(tmpdir, "c.ini", NULL);
  g_unlink(p);
  g_rmdir(tmpdir);
  g_free(p);
  g_free(tmpdir);
  return rc;
}
