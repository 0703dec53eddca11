/* The visit-event spool (signalling/sig_events.c): files are written whole
 * (no temporary left behind), listed in the order they were written, and
 * only spool files are listed. Delivery to a live receiver that goes down
 * and comes back is tested end to end in tests/signalling/test-signal-events. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "log.h"
#include "sig_events.h"

static void test_write_and_order(void) {
  char *dir = g_dir_make_tmp("spool-XXXXXX", NULL);
  g_assert_nonnull(dir);
  /* written out of order on purpose: names decide */
  const char *names[] = {"00000000000000000003-c.json", "00000000000000000001-a.json",
                         "00000000000000000002-b.json"};
  for (int i = 0; i < 3; i++)
    g_assert_cmpint(sig_spool_write(dir, names[i], names[i], strlen(names[i])), ==, 0);
  /* foreign files are not events */
  char *junk = g_build_filename(dir, "notes.txt", NULL);
  g_file_set_contents(junk, "x", 1, NULL);
  char **l = sig_spool_list(dir);
  g_assert_cmpuint(g_strv_length(l), ==, 3);
  g_assert_cmpstr(l[0], ==, "00000000000000000001-a.json");
  g_assert_cmpstr(l[2], ==, "00000000000000000003-c.json");
  char *p = g_build_filename(dir, l[1], NULL);
  char *text = NULL;
  g_assert_true(g_file_get_contents(p, &text, NULL, NULL));
  g_assert_cmpstr(text, ==, "00000000000000000002-b.json");
  /* nothing temporary is left */
  GDir *d = g_dir_open(dir, 0, NULL);
  const char *n;
  while ((n = g_dir_read_name(d))) g_assert_false(g_str_has_prefix(n, ".tmp-"));
  g_dir_close(d);
  for (int i = 0; l[i]; i++) {
    char *f = g_build_filename(dir, l[i], NULL);
    g_unlink(f);
    g_free(f);
  }
  g_unlink(junk);
  g_rmdir(dir);
  g_strfreev(l);
  g_free(text);
  g_free(p);
  g_free(junk);
  g_free(dir);
}

static void test_unwritable(void) {
  g_assert_cmpint(sig_spool_write("/nonexistent/dir", "00000000000000000001-a.json", "x", 1), ==,
                  -1);
  char err[256];
  SigEvents *e = sig_events_new("/proc/nope", "https://127.0.0.1:1", "secret", NULL, err,
                                sizeof err);
  g_assert_null(e);
  g_assert_nonnull(strstr(err, "spool directory"));
}

static void test_posts_are_spooled_in_order(void) {
  char *dir = g_dir_make_tmp("spool-XXXXXX", NULL);
  char err[256];
  /* port 1: nothing listens, so every event stays in the spool */
  SigEvents *e = sig_events_new(dir, "https://127.0.0.1:1", "secret", NULL, err, sizeof err);
  g_assert_nonnull(e);
  for (int i = 0; i < 50; i++)
    g_assert_cmpint(sig_events_post(e, "visit-1", "participant_joined", "p1",
                                    json_pack("{s:i}", "n", i)),
                    ==, 0);
  g_assert_cmpuint(sig_events_pending(e), ==, 50);
  char **l = sig_spool_list(dir);
  for (int i = 0; i < 50; i++) {
    char *p = g_build_filename(dir, l[i], NULL);
    char *text = NULL;
    g_assert_true(g_file_get_contents(p, &text, NULL, NULL));
    json_t *j = json_loads(text, 0, NULL);
    g_assert_cmpint(json_integer_value(json_object_get(json_object_get(j, "data"), "n")), ==, i);
    g_assert_cmpstr(json_string_value(json_object_get(j, "visit_id")), ==, "visit-1");
    g_assert_nonnull(json_string_value(json_object_get(j, "event_id")));
    json_decref(j);
    g_free(text);
    g_unlink(p);
    g_free(p);
  }
  g_strfreev(l);
  sig_events_free(e);
  g_rmdir(dir);
  g_free(dir);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  log_set_level(LOG_LEVEL_WARN);
  g_test_add_func("/signal/spool/write_and_order", test_write_and_order);
  g_test_add_func("/signal/spool/unwritable", test_unwritable);
  g_test_add_func("/signal/spool/posts_in_order", test_posts_are_spooled_in_order);
  return g_test_run();
}
