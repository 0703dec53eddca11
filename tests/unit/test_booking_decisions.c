/* book_decisions: the call_decisions outbox, its fan-outs, the ack and the
 * admission check, against a real sqlite file migrated with the real
 * migrations. "now" is fixed: Monday 2026-11-23 10:00 UTC. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "book_db.h"
#include "booking_testdb.h"
#include "book_decisions.h"
#include "log.h"

#define NOW 1795428000LL /* 2026-11-23T10:00:00Z */

static const char *FIXTURE =
    "INSERT INTO establishments(id, name) VALUES ('TST','Test prison'),('OTH','Other');"
    "INSERT INTO users(id, username, display_name, role, password_hash, establishment_id, "
    " created_at) VALUES"
    " (1,'fam1','Fam One','family','x',NULL,0),"
    " (2,'pris1','P One','prisoner','x',NULL,0),"
    " (3,'mon','Mon','monitor','x','TST',0),"
    " (4,'legal','Legal','legal_adviser','x',NULL,0),"
    " (5,'staff','Staff','booking_staff','x','TST',0),"
    " (6,'monoth','Mon Other','monitor','x','OTH',0),"
    " (7,'fam2','Fam Two','family','x',NULL,0);"
    "INSERT INTO prisoners(id, prison_number, name, establishment_id, status, user_id) VALUES"
    " (1,'A1234BC','P One','TST','convicted',2);"
    "INSERT INTO visitors(id, name, date_of_birth, user_id, legal_adviser_verified) VALUES"
    " (1,'Adult One','1980-05-01',1,0),(2,'Child One','2018-03-01',1,0),"
    " (3,'Legal','1970-01-01',4,1),(4,'No Account','1970-01-01',NULL,0),"
    " (5,'Fam Two','1979-01-01',7,0);"
    "INSERT INTO contacts(prisoner_id, visitor_id, contact_type, relationship, approved) VALUES"
    " (1,1,'social','Wife',1),(1,2,'social','Daughter',1),(1,3,'official','Solicitor',1),"
    " (1,4,'social','Friend',1),(1,5,'social','Brother',1);"
    /* v1 booked, joinable now; v2 running; v3 cancelled; v4 tomorrow; v5 legal
     * running; v6 completed; v7 social with fam2 only */
    "INSERT INTO visits(id, visit_type, establishment_id, prisoner_id, professional_user_id, "
    " date, start_at, end_at, restriction, status, booked_by, booked_at, updated_at) VALUES"
    " ('00000000000000000000000000000001','social','TST',1,NULL,'2026-11-23',"
    "  1795428600,1795430400,'open','booked',1,0,0),"
    " ('00000000000000000000000000000002','social','TST',1,NULL,'2026-11-23',"
    "  1795427400,1795429200,'open','in_progress',1,0,0),"
    " ('00000000000000000000000000000003','social','TST',1,NULL,'2026-11-23',"
    "  1795428600,1795430400,'open','cancelled',1,0,0),"
    " ('00000000000000000000000000000004','social','TST',1,NULL,'2026-11-24',"
    "  1795514400,1795516200,'open','booked',1,0,0),"
    " ('00000000000000000000000000000005','legal','TST',1,4,'2026-11-23',"
    "  1795427400,1795429200,'open','in_progress',4,0,0),"
    " ('00000000000000000000000000000006','social','TST',1,NULL,'2026-11-23',"
    "  1795420000,1795421800,'open','completed',1,0,0),"
    " ('00000000000000000000000000000007','social','TST',1,NULL,'2026-11-23',"
    "  1795428600,1795430400,'open','booked',7,0,0);"
    "INSERT INTO visit_visitors(visit_id, visitor_id, main_contact) VALUES"
    " ('00000000000000000000000000000001',1,1),('00000000000000000000000000000001',2,0),"
    " ('00000000000000000000000000000002',1,1),('00000000000000000000000000000003',1,1),"
    " ('00000000000000000000000000000004',1,1),('00000000000000000000000000000004',4,0),"
    " ('00000000000000000000000000000005',3,1),('00000000000000000000000000000006',1,1),"
    " ('00000000000000000000000000000007',5,1);";

#define V(n) "0000000000000000000000000000000" #n

typedef struct {
  TestDbPlace place;
  BookDb *db;
} Fx;

static void fx_setup(Fx *f, gconstpointer data) {
  (void)data;
  f->place = testdb_place("booking-decisions");
  f->db = testdb_open(&f->place);
  testdb_exec(f->db, FIXTURE);
  g_assert_cmpint(book_db_sync_ids(f->db), ==, 0);
}

static void fx_teardown(Fx *f, gconstpointer data) {
  (void)data;
  book_db_free(f->db);
  testdb_remove(&f->place);
}

static long long q(Fx *f, const char *sql) { return testdb_q(f->db, sql); }

static char *qs(Fx *f, const char *sql) {
  char *v = testdb_qs(f->db, sql);
  return v ? v : g_strdup("");
}

static void t_messages(Fx *f, gconstpointer d) {
  (void)f, (void)d;
  static const char *const reasons[] = {
      "visit_cancelled", "visit_rescheduled", "removed_by_staff", "visitor_banned",
      "contact_not_approved", "account_disabled", "policy_changed", "visit_not_found",
      "visit_terminated", "visit_over", "too_early", "participant_removed", "not_participant",
      "policy_forbids_monitoring", "terminated_by_staff"};
  char m[200];
  for (size_t i = 0; i < G_N_ELEMENTS(reasons); i++) {
    book_decision_message(reasons[i], NULL, m, sizeof m);
    /* plain words: a sentence, no machine code in it */
    g_assert_cmpuint(strlen(m), >, 10);
    g_assert_null(strchr(m, '_'));
    g_assert_true(g_ascii_isupper(m[0]));
    g_assert_cmpint(m[strlen(m) - 1], ==, '.');
  }
  book_decision_message("visit_cancelled", NULL, m, sizeof m);
  g_assert_cmpstr(m, ==, "This visit was cancelled.");
  book_decision_message("terminated_by_staff", "Shouting", m, sizeof m);
  g_assert_cmpstr(m, ==, "Staff ended this call: Shouting");
  /* a cut inside a multi-byte character is taken back to a whole one */
  char small[25]; /* 23 bytes of prefix, then half of the first é */
  book_decision_message("terminated_by_staff", "\xc3\xa9\xc3\xa9\xc3\xa9", small, sizeof small);
  g_assert_true(g_utf8_validate(small, -1, NULL));
  g_assert_true(g_str_has_prefix(small, "Staff ended this call: "));
  g_assert_cmpuint(strlen(small), ==, 23);
  book_decision_message("something_new", NULL, m, sizeof m);
  g_assert_cmpstr(m, ==, "This call has changed.");
}

static void t_roles(Fx *f, gconstpointer d) {
  (void)f, (void)d;
  static const char *const acc[] = {"prisoner", "family", "probationer", "probation_officer",
                                    "clinician", "legal_adviser", "monitor"};
  for (size_t i = 0; i < G_N_ELEMENTS(acc); i++)
    g_assert_cmpstr(book_account_role(book_token_role(acc[i])), ==, acc[i]);
  g_assert_cmpstr(book_token_role("family"), ==, "visitor");
  g_assert_cmpstr(book_token_role("monitor"), ==, "staff_monitor");
  g_assert_null(book_token_role("booking_staff"));
  g_assert_null(book_token_role("admin"));
  g_assert_null(book_account_role("wizard"));
  g_assert_null(book_account_role(NULL));
}

static void t_add_in_transaction(Fx *f, gconstpointer d) {
  (void)d;
  /* rolled back: nothing, neither decision nor audit */
  g_assert_cmpint(book_db_begin(f->db), ==, 0);
  g_assert_cmpint(book_decision_add(f->db, NOW, "staff", V(1), "end_call", NULL,
                                    "visit_cancelled", NULL, NULL),
                  ==, 0);
  book_db_rollback(f->db);
  g_assert_cmpint(q(f, "SELECT count(*) FROM call_decisions"), ==, 0);
  g_assert_cmpint(q(f, "SELECT count(*) FROM audit_log"), ==, 0);
  g_assert_cmpint(book_decisions_head(f->db), ==, 0);
  /* committed: both */
  g_assert_cmpint(book_db_begin(f->db), ==, 0);
  g_assert_cmpint(book_decision_add(f->db, NOW, "staff", V(2), "end_call", NULL,
                                    "terminated_by_staff", "Rude", NULL),
                  ==, 0);
  g_assert_cmpint(book_decision_add(f->db, NOW + 1, "staff", V(2), "remove_participant",
                                    "visitor-1", "removed_by_staff", NULL, NULL),
                  ==, 0);
  g_assert_cmpint(book_decision_add(f->db, NOW + 2, "admin", V(2), "update_policy", NULL,
                                    "policy_changed", NULL,
                                    "{\"monitoring\":\"forbidden\",\"recording\":\"required\"}"),
                  ==, 0);
  g_assert_cmpint(book_db_commit(f->db), ==, 0);
  /* the schema refuses what the contract does not allow: the caller rolls
   * back (each in its own transaction: on PostgreSQL a failed statement
   * ends its transaction, and a COMMIT after it commits nothing: -1) */
  g_assert_cmpint(book_db_begin(f->db), ==, 0);
  g_assert_cmpint(book_decision_add(f->db, NOW, "staff", V(2), "explode", NULL, "x", NULL, NULL),
                  ==, -1);
  book_db_rollback(f->db);
  g_assert_cmpint(book_db_begin(f->db), ==, 0);
  g_assert_cmpint(book_decision_add(f->db, NOW, "staff", V(2), "remove_participant", NULL,
                                    "removed_by_staff", NULL, NULL),
                  ==, -1);
  book_db_rollback(f->db);
  g_assert_cmpint(book_db_begin(f->db), ==, 0);
  g_assert_cmpint(book_decision_add(f->db, NOW, "staff", V(2), "end_call", "visitor-1",
                                    "visit_cancelled", NULL, NULL),
                  ==, -1);
  book_db_rollback(f->db);
  g_assert_cmpint(book_db_begin(f->db), ==, 0);
  g_assert_cmpint(book_decision_add(f->db, NOW, "staff", V(2), "update_policy", NULL,
                                    "policy_changed", NULL, "{not json"),
                  ==, -1);
  if (book_db_engine(f->db) == BOOK_ENGINE_PG)
    g_assert_cmpint(book_db_commit(f->db), ==, -1); /* nothing half-done commits */
  else
    book_db_rollback(f->db);
  g_assert_cmpint(q(f, "SELECT count(*) FROM call_decisions"), ==, 3);
  g_assert_cmpint(q(f, "SELECT count(*) FROM audit_log WHERE action='call_decision' AND "
                       "visit_id='" V(2) "'"),
                  ==, 3);
  /* a rolled-back write (whole transaction or one refused statement) gives
   * its seq back: nobody could have read it, so the feed stays 1..3 */
  g_assert_cmpint(book_decisions_head(f->db), ==, 3);
  json_t *feed = book_decisions_after(f->db, 0, 100);
  g_assert_nonnull(feed);
  g_assert_cmpuint(json_array_size(feed), ==, 3);
  json_t *a = json_array_get(feed, 0), *b = json_array_get(feed, 1), *c = json_array_get(feed, 2);
  g_assert_cmpint(json_integer_value(json_object_get(a, "seq")), ==, 1);
  g_assert_cmpstr(json_string_value(json_object_get(a, "message")), ==,
                  "Staff ended this call: Rude");
  g_assert_true(json_is_null(json_object_get(a, "participant")));
  g_assert_true(json_is_null(json_object_get(a, "data")));
  g_assert_cmpint(json_integer_value(json_object_get(a, "at")), ==, NOW);
  g_assert_cmpstr(json_string_value(json_object_get(b, "participant")), ==, "visitor-1");
  g_assert_cmpstr(json_string_value(json_object_get(json_object_get(c, "data"), "monitoring")),
                  ==, "forbidden");
  json_decref(feed);
  feed = book_decisions_after(f->db, 1, 1);
  g_assert_cmpuint(json_array_size(feed), ==, 1);
  g_assert_cmpint(json_integer_value(json_object_get(json_array_get(feed, 0), "seq")), ==, 2);
  json_decref(feed);
  feed = book_decisions_after(f->db, 3, 10);
  g_assert_cmpuint(json_array_size(feed), ==, 0);
  json_decref(feed);
}

static void t_fan_out(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpint(book_db_begin(f->db), ==, 0);
  /* visitor 1 (account 1): booked v1, running v2, tomorrow's v4; not the
   * cancelled v3 or the completed v6 */
  g_assert_cmpint(book_decisions_for_contact(f->db, NOW, "staff", 1, 1, "visitor_banned"), ==, 3);
  /* the child on the same account: the same account leaves the same calls */
  g_assert_cmpint(book_decisions_for_contact(f->db, NOW, "staff", 1, 2, "visitor_banned"), ==, 1);
  /* no account: nobody to remove */
  g_assert_cmpint(book_decisions_for_contact(f->db, NOW, "staff", 1, 4, "visitor_banned"), ==, 0);
  g_assert_cmpint(book_db_commit(f->db), ==, 0);
  char *ids = qs(f, "SELECT group_concat(substr(visit_id, 32) || ':' || participant) FROM "
                    "call_decisions");
  g_assert_cmpstr(ids, ==, "2:visitor-1,1:visitor-1,4:visitor-1,1:visitor-1");
  g_free(ids);

  g_assert_cmpint(book_db_begin(f->db), ==, 0);
  sqlite3_int64 h = book_decisions_head(f->db);
  /* the prisoner: every booked or running visit, of any type */
  g_assert_cmpint(book_decisions_for_account(f->db, NOW, "admin", 2, "account_disabled"), ==, 5);
  /* the legal adviser: the legal call (as professional and as visitor, once) */
  g_assert_cmpint(book_decisions_for_account(f->db, NOW, "admin", 4, "account_disabled"), ==, 1);
  /* a monitor: the calls of its establishment open for joining now (v1, v2, v5, v7) */
  g_assert_cmpint(book_decisions_for_account(f->db, NOW, "admin", 3, "account_disabled"), ==, 4);
  /* another establishment's monitor, booking staff: none */
  g_assert_cmpint(book_decisions_for_account(f->db, NOW, "admin", 6, "account_disabled"), ==, 0);
  g_assert_cmpint(book_decisions_for_account(f->db, NOW, "admin", 5, "account_disabled"), ==, 0);
  g_assert_cmpint(book_db_commit(f->db), ==, 0);
  g_assert_cmpint(q(f, "SELECT count(*) FROM call_decisions WHERE participant='prisoner-2'"), ==,
                  5);
  g_assert_cmpint(q(f, "SELECT count(*) FROM call_decisions WHERE participant='legal_adviser-4'"),
                  ==, 1);
  g_assert_cmpint(q(f, "SELECT count(*) FROM call_decisions WHERE participant='staff_monitor-3' "
                       "AND visit_id <> '" V(4) "'"),
                  ==, 4);
  g_assert_cmpint(book_decisions_head(f->db), ==, h + 10);

  g_assert_cmpint(book_db_begin(f->db), ==, 0);
  g_assert_cmpint(book_decisions_for_policy(f->db, NOW, "admin", "social", "forbidden", "required"),
                  ==, 4);
  g_assert_cmpint(book_decisions_for_policy(f->db, NOW, "admin", "telemedicine", "forbidden",
                                            "forbidden"),
                  ==, 0);
  g_assert_cmpint(book_db_commit(f->db), ==, 0);
  g_assert_cmpint(q(f, "SELECT count(*) FROM call_decisions WHERE action='update_policy' AND "
                       "json_extract(data,'$.monitoring')='forbidden' AND "
                       "json_extract(data,'$.recording')='required' AND participant IS NULL"),
                  ==, 4);
}

static void t_ack(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpint(book_db_begin(f->db), ==, 0);
  g_assert_cmpint(book_decisions_for_policy(f->db, NOW, "admin", "social", "allowed", "forbidden"),
                  ==, 4);
  g_assert_cmpint(book_db_commit(f->db), ==, 0);
  g_assert_cmpint(book_decisions_ack(f->db, NOW + 5, "sig-1", 2), ==, 2);
  g_assert_cmpint(q(f, "SELECT count(*) FROM call_decisions WHERE delivered_at = 1795428005"), ==,
                  2);
  g_assert_cmpint(q(f, "SELECT count(*) FROM audit_log WHERE action='decision_delivered' AND "
                       "json_extract(detail,'$.instance')='sig-1'"),
                  ==, 2);
  /* again, or from another instance: nothing new */
  g_assert_cmpint(book_decisions_ack(f->db, NOW + 9, "sig-2", 2), ==, 0);
  g_assert_cmpint(book_decisions_ack(f->db, NOW + 9, "sig-2", 0), ==, 0);
  g_assert_cmpint(q(f, "SELECT count(*) FROM audit_log WHERE action='decision_delivered'"), ==, 2);
  g_assert_cmpint(q(f, "SELECT max(delivered_at) FROM call_decisions"), ==, NOW + 5);
  /* past the head: the rest */
  g_assert_cmpint(book_decisions_ack(f->db, NOW + 9, "sig-2", 1000), ==, 2);
  g_assert_cmpint(q(f, "SELECT count(*) FROM call_decisions WHERE delivered_at IS NULL"), ==, 0);
  g_assert_cmpint(q(f, "SELECT count(*) FROM audit_log WHERE action='decision_delivered'"), ==, 4);
  /* every delivery row sits on its decision's visit */
  g_assert_cmpint(q(f, "SELECT count(*) FROM audit_log a JOIN call_decisions c ON c.seq = "
                       "CAST(json_extract(a.detail,'$.seq') AS INTEGER) AND c.visit_id = a.visit_id WHERE "
                       "a.action='decision_delivered'"),
                  ==, 4);
}

static const char *adm(Fx *f, const char *visit, const char *who, const char *role, int64_t now,
                       BookAdmission *a) {
  g_assert_cmpint(book_admission_check(f->db, visit, who, role, now, a), ==, 0);
  return a->admit ? "admit" : a->code;
}

static void t_admission(Fx *f, gconstpointer d) {
  (void)d;
  BookAdmission a;
  g_assert_cmpstr(adm(f, V(1), "visitor-1", "visitor", NOW, &a), ==, "admit");
  g_assert_cmpstr(a.type, ==, "social");
  g_assert_cmpstr(a.status, ==, "booked");
  g_assert_cmpint(a.start, ==, 1795428600);
  g_assert_cmpint(a.end, ==, 1795430400);
  g_assert_cmpstr(a.monitoring, ==, "allowed");
  g_assert_cmpstr(a.recording, ==, "required");
  g_assert_cmpstr(adm(f, V(1), "prisoner-2", "prisoner", NOW, &a), ==, "admit");
  g_assert_cmpstr(adm(f, V(1), "staff_monitor-3", "staff_monitor", NOW, &a), ==, "admit");
  g_assert_cmpstr(adm(f, V(5), "legal_adviser-4", "legal_adviser", NOW, &a), ==, "admit");
  /* status and window */
  g_assert_cmpstr(adm(f, V(9), "visitor-1", "visitor", NOW, &a), ==, "visit_not_found");
  g_assert_cmpstr(a.message, ==, "We could not find this visit.");
  g_assert_cmpstr(adm(f, V(3), "visitor-1", "visitor", NOW, &a), ==, "visit_cancelled");
  g_assert_cmpstr(adm(f, V(6), "visitor-1", "visitor", NOW, &a), ==, "visit_over");
  g_assert_cmpstr(adm(f, V(4), "visitor-1", "visitor", NOW, &a), ==, "too_early");
  g_assert_cmpstr(adm(f, V(1), "visitor-1", "visitor", 1795428600 - 900, &a), ==, "admit");
  g_assert_cmpstr(adm(f, V(1), "visitor-1", "visitor", 1795428600 - 901, &a), ==, "too_early");
  g_assert_cmpstr(adm(f, V(1), "visitor-1", "visitor", 1795430400, &a), ==, "visit_over");
  testdb_exec(f->db, "UPDATE visits SET status='terminated' WHERE id='" V(2) "'");
  g_assert_cmpstr(adm(f, V(2), "visitor-1", "visitor", NOW, &a), ==, "visit_terminated");
  /* who */
  g_assert_cmpstr(adm(f, V(7), "visitor-1", "visitor", NOW, &a), ==, "not_participant");
  g_assert_cmpstr(adm(f, V(1), "visitor-7", "visitor", NOW, &a), ==, "not_participant");
  g_assert_cmpstr(adm(f, V(1), "prisoner-1", "prisoner", NOW, &a), ==, "not_participant");
  g_assert_cmpstr(adm(f, V(1), "visitor-1", "prisoner", NOW, &a), ==, "not_participant");
  g_assert_cmpstr(adm(f, V(1), "visitor-01", "visitor", NOW, &a), ==, "not_participant");
  g_assert_cmpstr(adm(f, V(1), "visitor-1x", "visitor", NOW, &a), ==, "not_participant");
  g_assert_cmpstr(adm(f, V(1), "visitor-", "visitor", NOW, &a), ==, "not_participant");
  g_assert_cmpstr(adm(f, V(1), "visitor-999", "visitor", NOW, &a), ==, "not_participant");
  g_assert_cmpstr(adm(f, V(1), "staff_monitor-6", "staff_monitor", NOW, &a), ==,
                  "not_participant");
  g_assert_cmpstr(adm(f, V(1), "staff_monitor-5", "staff_monitor", NOW, &a), ==,
                  "not_participant");
  g_assert_cmpstr(adm(f, V(1), "visitor-1", "wizard", NOW, &a), ==, "not_participant");
  g_assert_cmpstr(adm(f, V(5), "staff_monitor-3", "staff_monitor", NOW, &a), ==,
                  "policy_forbids_monitoring");
  /* decisions since booking */
  testdb_exec(f->db, "UPDATE contacts SET approved = 0 WHERE visitor_id = 2");
  g_assert_cmpstr(adm(f, V(1), "visitor-1", "visitor", NOW, &a), ==, "contact_not_approved");
  testdb_exec(f->db, "INSERT INTO contact_restrictions(contact_id, type, start_date) SELECT id, 'BAN', "
               "'2026-11-24' FROM contacts WHERE visitor_id = 1");
  g_assert_cmpstr(adm(f, V(1), "visitor-1", "visitor", NOW, &a), ==, "contact_not_approved");
  testdb_exec(f->db, "INSERT INTO contact_restrictions(contact_id, type, start_date, expiry_date) "
               "SELECT id, 'BAN', '2026-11-01', '2026-11-23' FROM contacts WHERE visitor_id = 1");
  g_assert_cmpstr(adm(f, V(1), "visitor-1", "visitor", NOW, &a), ==, "visitor_banned");
  g_assert_cmpstr(a.message, ==, "You can no longer visit this person.");
  testdb_exec(f->db, "UPDATE users SET disabled = 1 WHERE id = 2");
  g_assert_cmpstr(adm(f, V(1), "prisoner-2", "prisoner", NOW, &a), ==, "account_disabled");
  testdb_exec(f->db, "INSERT INTO visit_removals VALUES ('" V(7) "','visitor-7','x','staff',0)");
  g_assert_cmpstr(adm(f, V(7), "visitor-7", "visitor", NOW, &a), ==, "participant_removed");
  g_assert_cmpstr(adm(f, V(1), "staff_monitor-3", "staff_monitor", NOW, &a), ==, "admit");
  g_assert_cmpint(book_user_disabled(f->db, 2), ==, 1);
  g_assert_cmpint(book_user_disabled(f->db, 1), ==, 0);
  g_assert_cmpint(book_user_disabled(f->db, 999), ==, 0);
  /* reads only: nothing was written */
  g_assert_cmpint(q(f, "SELECT count(*) FROM audit_log"), ==, 0);
}

/* A database that cannot answer: never an admission, never a head. */
static void t_storage_errors(Fx *f, gconstpointer d) {
  (void)d;
  BookAdmission a;
  testdb_exec(f->db, "DROP TABLE visit_removals");
  g_assert_cmpint(book_admission_check(f->db, V(1), "visitor-1", "visitor", NOW, &a), ==, -1);
  g_assert_cmpint(a.admit, ==, 0);
  testdb_exec(f->db, "DROP TABLE call_decisions");
  g_assert_cmpint(book_decisions_head(f->db), ==, -1);
  g_assert_null(book_decisions_after(f->db, 0, 10));
  g_assert_cmpint(book_decisions_ack(f->db, NOW, "x", 5), ==, -1);
  g_assert_false(book_db_in_tx(f->db)); /* rolled back */
  g_assert_cmpint(book_db_begin(f->db), ==, 0);
  g_assert_cmpint(book_decisions_for_contact(f->db, NOW, "s", 1, 1, "visitor_banned"), ==, -1);
  g_assert_cmpint(book_decisions_for_policy(f->db, NOW, "s", "social", "allowed", "required"), ==,
                  -1);
  book_db_rollback(f->db);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  log_set_level(LOG_LEVEL_WARN);
#define T(name, fn) g_test_add("/booking/decisions/" name, Fx, NULL, fx_setup, fn, fx_teardown)
  T("messages", t_messages);
  T("token_roles", t_roles);
  T("add_in_transaction", t_add_in_transaction);
  T("fan_out", t_fan_out);
  T("ack", t_ack);
  T("admission", t_admission);
  T("storage_errors", t_storage_errors);
  return g_test_run();
}
