/* Interpreters' rules (booking/book_interp_rules.c): who may add one to a
 * call, who may join, that they never count towards the visitor limit,
 * the label and bad input. */
#include <glib.h>

#include "book_interp_rules.h"

static BookInterpAdd add_ok(void) {
  BookInterpAdd f = {.visit_type = "social", .visit_status = "booked", .visit_est = "TST",
                     .actor_role = "booking_staff", .actor_est = "TST",
                     .interpreter_est = "TST"};
  return f;
}

static void t_add(void) {
  BookInterpAdd f = add_ok();
  g_assert_null(book_interp_may_add(&f));
  f.visit_status = "requested";
  g_assert_null(book_interp_may_add(&f));
  /* wrong role: a monitor, the family, the interpreter themselves */
  const char *roles[] = {"monitor", "family", "interpreter", "legal_adviser", "admin", NULL};
  for (int i = 0; roles[i]; i++) {
    f = add_ok();
    f.actor_role = roles[i];
    g_assert_cmpstr(book_interp_may_add(&f), ==, "forbidden");
  }
  f = add_ok();
  f.actor_role = NULL;
  g_assert_cmpstr(book_interp_may_add(&f), ==, "forbidden");
  /* other establishment's staff, or its interpreter */
  f = add_ok();
  f.actor_est = "OTH";
  g_assert_cmpstr(book_interp_may_add(&f), ==, "forbidden");
  f = add_ok();
  f.interpreter_est = "OTH";
  g_assert_cmpstr(book_interp_may_add(&f), ==, "not_found");
  f = add_ok();
  f.interpreter_est = NULL;
  g_assert_cmpstr(book_interp_may_add(&f), ==, "not_found");
  /* finished or cancelled */
  const char *states[] = {"cancelled", "completed", "missed", "terminated", NULL};
  for (int i = 0; states[i]; i++) {
    f = add_ok();
    f.visit_status = states[i];
    g_assert_cmpstr(book_interp_may_add(&f), ==, "invalid_state");
  }
  /* probation: no establishment */
  f = add_ok();
  f.visit_type = "probation";
  f.visit_est = NULL;
  g_assert_cmpstr(book_interp_may_add(&f), ==, "not_supported");
  /* twice */
  f = add_ok();
  f.already_added = 1;
  g_assert_cmpstr(book_interp_may_add(&f), ==, "already_added");
}

static void t_professional_calls(void) {
  const char *types[] = {"legal", "telemedicine"};
  for (int i = 0; i < 2; i++) {
    BookInterpAdd f = add_ok();
    f.visit_type = types[i];
    g_assert_cmpstr(book_interp_may_add(&f), ==, "professional_only");
    f.requested_by_professional = 1;
    g_assert_null(book_interp_may_add(&f));
  }
}

static void t_join(void) {
  BookInterpJoin j = {.actor_role = "interpreter", .visit_status = "booked", .approved = 1,
                      .same_est = 1};
  g_assert_null(book_interp_may_join(&j));
  j.approved = 0; /* not approved for this call (or removed) */
  g_assert_cmpstr(book_interp_may_join(&j), ==, "not_found");
  j.approved = 1;
  j.same_est = 0; /* another establishment's call */
  g_assert_cmpstr(book_interp_may_join(&j), ==, "not_found");
  j.same_est = 1;
  j.visit_status = "cancelled";
  g_assert_cmpstr(book_interp_may_join(&j), ==, "invalid_state");
  j.visit_status = "requested";
  g_assert_cmpstr(book_interp_may_join(&j), ==, "invalid_state");
  j.visit_status = "booked";
  j.actor_role = "family";
  g_assert_cmpstr(book_interp_may_join(&j), ==, "forbidden");
  j.actor_role = NULL;
  g_assert_cmpstr(book_interp_may_join(&j), ==, "forbidden");
}

static void t_limit(void) {
  g_assert_cmpint(book_interp_counts_to_limit("visitor"), ==, 1);
  g_assert_cmpint(book_interp_counts_to_limit("interpreter"), ==, 0);
  g_assert_cmpint(book_interp_counts_to_limit("prisoner"), ==, 0);
  g_assert_cmpint(book_interp_counts_to_limit("professional"), ==, 0);
  g_assert_cmpint(book_interp_counts_to_limit(NULL), ==, 0);
  /* a full social call (4 visitors) plus an interpreter: still 4 */
  const char *room[] = {"prisoner", "visitor", "visitor", "visitor", "visitor", "interpreter"};
  int n = 0;
  for (size_t i = 0; i < G_N_ELEMENTS(room); i++) n += book_interp_counts_to_limit(room[i]);
  g_assert_cmpint(n, ==, 4);
}

static void t_label(void) {
  char buf[64];
  g_assert_cmpint(book_interp_label("BSL", "en", buf, sizeof buf), ==, 0);
  g_assert_cmpstr(buf, ==, "Interpreter (BSL)");
  g_assert_cmpint(book_interp_label("BSL", "cy", buf, sizeof buf), ==, 0);
  g_assert_cmpstr(buf, ==, "Cyfieithydd (BSL)");
  g_assert_cmpint(book_interp_label("Polish", NULL, buf, sizeof buf), ==, 0);
  g_assert_cmpstr(buf, ==, "Interpreter (Polish)");
  g_assert_cmpint(book_interp_label("Portuguese (Brazil)", "en", buf, sizeof buf), ==, 0);
  g_assert_cmpint(book_interp_label("BSL", "en", buf, 10), ==, -1);
  /* bad languages: empty, too long, markup, padding, NULL */
  const char *bad[] = {"", "<script>", "BSL\n", " BSL", "BSL ", "Pol1sh",
                       "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL};
  for (int i = 0; bad[i]; i++) {
    g_assert_cmpint(book_interp_language_valid(bad[i]), ==, 0);
    g_assert_cmpint(book_interp_label(bad[i], "en", buf, sizeof buf), ==, -1);
  }
  g_assert_cmpint(book_interp_language_valid(NULL), ==, 0);
  g_assert_cmpint(book_interp_language_valid("Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), ==, 1);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/booking/interp/add", t_add);
  g_test_add_func("/booking/interp/professional_calls", t_professional_calls);
  g_test_add_func("/booking/interp/join", t_join);
  g_test_add_func("/booking/interp/limit", t_limit);
  g_test_add_func("/booking/interp/label", t_label);
  return g_test_run();
}
