/* signalling's moderation rules (signalling/sig_call_moderation.c), table
 * by table: who may mute whom, staff's mute sticking, remove, end_call, the
 * reason a moderator gives, recording control under the visit's policy, and
 * how an actor is named to the others. */
#include <glib.h>
#include <string.h>

#include "sig_call_moderation.h"

static const SigMember VISITOR = {"visitor-1", true, false, false};
static const SigMember OTHER = {"visitor-2", true, false, false};
static const SigMember STAFF = {"officer-1", true, false, true};
static const SigMember MONITOR = {"monitor-1", true, true, true};
static const SigMember WAITING = {"visitor-3", false, false, false}; /* not yet announced */

#define NONE ((const SigMember *)NULL)

static void expect(const char *got, const char *want) {
  if (!want) g_assert_null(got);
  else g_assert_cmpstr(got, ==, want);
}

static void test_mute(void) {
  static const struct {
    const SigMember *by, *target;
    bool named;
    const char *err;
    bool moderating;
  } rows[] = {
      {&VISITOR, NONE, false, NULL, false},              /* oneself, unnamed */
      {&VISITOR, &VISITOR, true, NULL, false},           /* oneself, named */
      {&VISITOR, &OTHER, true, "not_moderator", true},   /* another: needs the grant */
      {&VISITOR, NONE, true, "not_moderator", true},     /* nobody by that id: no hint */
      {&STAFF, &OTHER, true, NULL, true},
      {&STAFF, NONE, true, "unknown_participant", true},
      {&STAFF, &WAITING, true, "unknown_participant", true}, /* not yet in the call */
      {&STAFF, &MONITOR, true, "unknown_participant", true}, /* hidden: unknown to all */
      {&MONITOR, &OTHER, true, NULL, true},                   /* a hidden monitor moderates */
      {&MONITOR, NONE, false, NULL, false},                   /* ... and may mute itself */
      {&WAITING, NONE, false, "unknown_participant", false},
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    bool moderating = !rows[i].moderating;
    g_test_message("row %u", i);
    expect(sig_mod_mute(rows[i].by, rows[i].target, rows[i].named, &moderating), rows[i].err);
    g_assert_cmpint(moderating, ==, rows[i].moderating);
  }
}

static void test_sticky_mute(void) {
  static const struct {
    const SigMember *by;
    bool moderating, muted, any_by_moderator;
    const char *err;
    bool sticky_after;
  } rows[] = {
      {&STAFF, true, true, false, NULL, true},        /* staff mutes another: sticks */
      {&STAFF, true, false, true, NULL, false},       /* staff unmutes: lifted */
      {&VISITOR, false, false, true, "muted_by_moderator", false}, /* cannot undo staff's */
      {&VISITOR, false, false, false, NULL, false},   /* own mute, own unmute */
      {&VISITOR, false, true, true, NULL, false},     /* muting more is always allowed */
      {&STAFF, false, false, true, NULL, false},      /* staff on their own tracks */
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    g_test_message("row %u", i);
    expect(sig_mod_unmute_own(rows[i].by, rows[i].moderating, rows[i].muted,
                              rows[i].any_by_moderator),
           rows[i].err);
    g_assert_cmpint(sig_mod_sticky(rows[i].moderating, rows[i].muted), ==, rows[i].sticky_after);
  }
}

static void test_remove(void) {
  static const struct {
    const SigMember *by, *target;
    const char *err;
  } rows[] = {
      {&STAFF, &OTHER, NULL},
      {&MONITOR, &VISITOR, NULL},
      {&VISITOR, &OTHER, "not_moderator"},
      {&VISITOR, NONE, "not_moderator"}, /* the grant is checked first */
      {&STAFF, NONE, "unknown_participant"},
      {&STAFF, &STAFF, "unknown_participant"},   /* oneself */
      {&STAFF, &MONITOR, "unknown_participant"}, /* hidden */
      {&STAFF, &WAITING, "unknown_participant"}, /* not yet announced */
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    g_test_message("row %u", i);
    expect(sig_mod_remove(rows[i].by, rows[i].target), rows[i].err);
  }
}

static void test_end_call_and_reason(void) {
  expect(sig_mod_end_call(&STAFF), NULL);
  expect(sig_mod_end_call(&MONITOR), NULL);
  expect(sig_mod_end_call(&VISITOR), "not_moderator");
  char *long_reason = g_strnfill(SIG_MAX_REASON + 1, 'x');
  char *max_reason = g_strnfill(SIG_MAX_REASON, 'x');
  static const char *good[] = {"x", "disruptive behaviour"};
  for (guint i = 0; i < G_N_ELEMENTS(good); i++) expect(sig_mod_reason(good[i]), NULL);
  expect(sig_mod_reason(max_reason), NULL);
  expect(sig_mod_reason(NULL), "bad_message");
  expect(sig_mod_reason(""), "bad_message");
  expect(sig_mod_reason(long_reason), "bad_message");
  g_free(long_reason);
  g_free(max_reason);
}

static void test_record(void) {
  static const struct {
    bool required, may_record, moderate, on;
    const char *err;
    bool audit;
  } rows[] = {
      /* the policy forbids: nobody, whatever their grants */
      {false, true, true, true, "policy_forbids_recording", true},
      {false, false, false, true, "policy_forbids_recording", true},
      {false, true, true, false, "not_recording", false},
      /* the policy requires: only may_record or moderators ask, and only for on */
      {true, false, false, true, "not_permitted", false},
      {true, false, false, false, "not_permitted", false},
      {true, true, false, true, NULL, false},
      {true, false, true, true, NULL, false},
      {true, true, true, false, "policy_requires_recording", false},
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    bool audit = !rows[i].audit;
    g_test_message("row %u", i);
    expect(sig_mod_record(rows[i].required, rows[i].may_record, rows[i].moderate, rows[i].on, &audit),
           rows[i].err);
    g_assert_cmpint(audit, ==, rows[i].audit);
  }
}

static void test_public_actor(void) {
  g_assert_cmpstr(sig_mod_public_actor(&STAFF), ==, "officer-1");
  g_assert_cmpstr(sig_mod_public_actor(&VISITOR), ==, "visitor-1");
  g_assert_cmpstr(sig_mod_public_actor(&MONITOR), ==, "staff"); /* never named */
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/signal/call/moderation/mute", test_mute);
  g_test_add_func("/signal/call/moderation/sticky_mute", test_sticky_mute);
  g_test_add_func("/signal/call/moderation/remove", test_remove);
  g_test_add_func("/signal/call/moderation/end_call_and_reason", test_end_call_and_reason);
  g_test_add_func("/signal/call/moderation/record", test_record);
  g_test_add_func("/signal/call/moderation/public_actor", test_public_actor);
  return g_test_run();
}
