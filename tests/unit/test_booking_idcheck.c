#define _GNU_SOURCE /* memmem */
/* The visitor ID check: the pure decisions (status from facts and now,
 * refusal codes, retention, image sniffing, age), the images' AES-256-GCM
 * files, and the storage side (admission step, rejection decisions, expiry
 * and retention sweep) against a real database migrated with the real
 * migrations (sqlite, or PostgreSQL with PARLOUR_DB_ENGINE=pg). */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "book_db.h"
#include "book_idcheck.h"
#include "book_idcheck_rules.h"
#include "book_idcrypt.h"
#include "booking_testdb.h"
#include "log.h"

#define NOW 1795428000LL /* 2026-11-23T10:00:00Z */
#define DAY 86400LL

/* ---- pure decisions ---- */

static void t_status(void) {
  BookIdFacts none = {0};
  g_assert_cmpint(book_idcheck_status(&none, 365, NOW), ==, BOOK_ID_NONE);
  g_assert_cmpint(book_idcheck_status(NULL, 365, NOW), ==, BOOK_ID_NONE);
  /* one image only: not yet for staff */
  BookIdFacts half = {.has_check = 1, .has_document = 1};
  g_assert_cmpint(book_idcheck_status(&half, 365, NOW), ==, BOOK_ID_NONE);
  BookIdFacts both = {.has_check = 1, .has_document = 1, .has_selfie = 1, .submitted = 1};
  g_assert_cmpint(book_idcheck_status(&both, 365, NOW), ==, BOOK_ID_PENDING);
  BookIdFacts ok = both;
  ok.decision = 1;
  ok.decided_at = NOW - 364 * DAY;
  g_assert_cmpint(book_idcheck_status(&ok, 365, NOW), ==, BOOK_ID_VERIFIED);
  /* the last second counts; the boundary itself is expired */
  ok.decided_at = NOW - 365 * DAY + 1;
  g_assert_cmpint(book_idcheck_status(&ok, 365, NOW), ==, BOOK_ID_VERIFIED);
  ok.decided_at = NOW - 365 * DAY;
  g_assert_cmpint(book_idcheck_status(&ok, 365, NOW), ==, BOOK_ID_EXPIRED);
  /* valid_days 0: never expires */
  ok.decided_at = NOW - 3650 * DAY;
  g_assert_cmpint(book_idcheck_status(&ok, 0, NOW), ==, BOOK_ID_VERIFIED);
  g_assert_cmpint(book_idcheck_expires_at(NOW, 0), ==, INT64_MAX);
  g_assert_cmpint(book_idcheck_expires_at(NOW, 2), ==, NOW + 2 * DAY);
  /* images deleted after an approval do not change it */
  ok.has_document = ok.has_selfie = 1;
  BookIdFacts no = both;
  no.decision = -1;
  no.decided_at = NOW - 10 * DAY;
  g_assert_cmpint(book_idcheck_status(&no, 365, NOW), ==, BOOK_ID_REJECTED);
  g_assert_cmpint(book_idcheck_status(&no, 0, NOW + 5000 * DAY), ==, BOOK_ID_REJECTED);
}

static void t_names_and_refusals(void) {
  g_assert_cmpstr(book_idcheck_status_name(BOOK_ID_NONE), ==, "none");
  g_assert_cmpstr(book_idcheck_status_name(BOOK_ID_PENDING), ==, "pending");
  g_assert_cmpstr(book_idcheck_status_name(BOOK_ID_VERIFIED), ==, "verified");
  g_assert_cmpstr(book_idcheck_status_name(BOOK_ID_REJECTED), ==, "rejected");
  g_assert_cmpstr(book_idcheck_status_name(BOOK_ID_EXPIRED), ==, "expired");
  g_assert_null(book_idcheck_refusal(BOOK_ID_VERIFIED));
  g_assert_cmpstr(book_idcheck_refusal(BOOK_ID_NONE), ==, "identity_unverified");
  g_assert_cmpstr(book_idcheck_refusal(BOOK_ID_PENDING), ==, "identity_pending");
  g_assert_cmpstr(book_idcheck_refusal(BOOK_ID_REJECTED), ==, "identity_rejected");
  g_assert_cmpstr(book_idcheck_refusal(BOOK_ID_EXPIRED), ==, "identity_expired");
}

static void t_retention(void) {
  g_assert_false(book_idcheck_images_due(0, 0, 30, NOW)); /* undecided: kept */
  g_assert_false(book_idcheck_images_due(1, NOW - 29 * DAY, 30, NOW));
  g_assert_true(book_idcheck_images_due(1, NOW - 30 * DAY, 30, NOW));
  g_assert_true(book_idcheck_images_due(-1, NOW - 31 * DAY, 30, NOW));
  g_assert_true(book_idcheck_images_due(-1, NOW, 0, NOW));
}

static void t_sniff_and_age(void) {
  const unsigned char jpg[] = {0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F'};
  const unsigned char png[16] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
  g_assert_cmpstr(book_idcheck_sniff(jpg, sizeof jpg), ==, "image/jpeg");
  g_assert_cmpstr(book_idcheck_sniff(png, sizeof png), ==, "image/png");
  g_assert_null(book_idcheck_sniff(jpg, 2));
  g_assert_null(book_idcheck_sniff((const unsigned char *)"GIF89a.........", 15));
  g_assert_null(book_idcheck_sniff((const unsigned char *)"<svg></svg>", 11));
  g_assert_null(book_idcheck_sniff(NULL, 0));
  g_assert_cmpint(book_idcheck_age("2008-11-23", "2026-11-23"), ==, 18);
  g_assert_cmpint(book_idcheck_age("2008-11-24", "2026-11-23"), ==, 17);
  g_assert_cmpint(book_idcheck_age("2018-03-01", "2026-11-23"), ==, 8);
  /* unknown: treated as an adult, so the check is asked for */
  g_assert_cmpint(book_idcheck_age("", "2026-11-23"), >=, BOOK_ID_ADULT_AGE);
  g_assert_cmpint(book_idcheck_age(NULL, "2026-11-23"), >=, BOOK_ID_ADULT_AGE);
}

/* ---- images at rest ---- */

static void t_crypt(void) {
  unsigned char key[32], other[32];
  for (int i = 0; i < 32; i++) key[i] = (unsigned char)i, other[i] = (unsigned char)(i + 1);
  const unsigned char img[] = "\xff\xd8\xff\xe0 a small jpeg-ish body";
  unsigned char *a = NULL, *b = NULL, *o = NULL;
  size_t an = 0, bn = 0, on = 0;
  g_assert_cmpint(book_idcrypt_seal(key, "1-document-x.plid", img, sizeof img, &a, &an), ==, 0);
  g_assert_cmpint(book_idcrypt_seal(key, "1-document-x.plid", img, sizeof img, &b, &bn), ==, 0);
  g_assert_cmpuint(an, ==, sizeof img + BOOK_IDCRYPT_OVERHEAD);
  g_assert_cmpint(memcmp(a, "PLID\x01", 5), ==, 0);
  /* a fresh nonce per file: the same image seals differently */
  g_assert_cmpint(memcmp(a + 5, b + 5, 12), !=, 0);
  g_assert_null(memmem(a, an, "jpeg-ish", 8));
  g_assert_cmpint(book_idcrypt_open(key, "1-document-x.plid", a, an, &o, &on), ==, 0);
  g_assert_cmpuint(on, ==, sizeof img);
  g_assert_cmpint(memcmp(o, img, on), ==, 0);
  g_free(o);
  /* wrong key, another file's name, a flipped byte, a short file: refused */
  g_assert_cmpint(book_idcrypt_open(other, "1-document-x.plid", a, an, &o, &on), ==, -1);
  g_assert_cmpint(book_idcrypt_open(key, "2-document-x.plid", a, an, &o, &on), ==, -1);
  a[20] ^= 1;
  g_assert_cmpint(book_idcrypt_open(key, "1-document-x.plid", a, an, &o, &on), ==, -1);
  g_assert_cmpint(book_idcrypt_open(key, "1-document-x.plid", a, 10, &o, &on), ==, -1);
  g_free(a);
  g_free(b);

  /* files: written whole, owner-only, read back with the key */
  char *dir = g_dir_make_tmp("idcrypt-XXXXXX", NULL);
  g_assert_cmpint(book_idcrypt_write_file(key, dir, "5-selfie-y.plid", img, sizeof img), ==, 0);
  char *path = g_build_filename(dir, "5-selfie-y.plid", NULL);
  GStatBuf sb;
  g_assert_cmpint(g_stat(path, &sb), ==, 0);
  g_assert_cmpint(sb.st_mode & 0777, ==, 0600);
  g_assert_cmpint(book_idcrypt_read_file(key, dir, "5-selfie-y.plid", &o, &on), ==, 0);
  g_assert_cmpint(memcmp(o, img, on), ==, 0);
  g_free(o);
  g_assert_cmpint(book_idcrypt_read_file(other, dir, "5-selfie-y.plid", &o, &on), ==, -1);
  g_assert_cmpint(book_idcrypt_read_file(key, dir, "missing.plid", &o, &on), ==, -1);

  /* the key file: 64 hex characters, nothing else */
  char *kf = g_build_filename(dir, "k", NULL);
  unsigned char k2[32];
  char err[200];
  g_assert_true(g_file_set_contents(kf, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n", -1, NULL));
  g_assert_cmpint(book_idcrypt_load_key(kf, k2, err, sizeof err), ==, 0);
  g_assert_cmpint(k2[1], ==, 0x11);
  g_assert_true(g_file_set_contents(kf, "not hex", -1, NULL));
  g_assert_cmpint(book_idcrypt_load_key(kf, k2, err, sizeof err), ==, -1);
  g_assert_nonnull(strstr(err, "64 hexadecimal"));
  g_assert_cmpint(book_idcrypt_load_key("/nonexistent/k", k2, err, sizeof err), ==, -1);
  g_unlink(kf);
  g_unlink(path);
  g_rmdir(dir);
  g_free(kf);
  g_free(path);
  g_free(dir);
}

/* ---- storage ---- */

static const char *FIXTURE =
    "INSERT INTO establishments(id, name) VALUES ('TST','Test prison'),('OTH','Other');"
    "INSERT INTO users(id, username, display_name, role, password_hash, establishment_id, "
    " created_at) VALUES (1,'fam1','Fam One','family','x',NULL,0),"
    " (2,'staff','Staff','booking_staff','x','TST',0),(3,'other','Other','booking_staff','x','OTH',0),"
    " (4,'mon','Mon','monitor','x','TST',0);"
    "INSERT INTO prisoners(id, prison_number, name, establishment_id, status) VALUES"
    " (1,'A1234BC','P One','TST','convicted');"
    "INSERT INTO visitors(id, name, date_of_birth, user_id) VALUES"
    " (1,'Adult One','1980-05-01',1),(2,'Child One','2018-03-01',1);"
    "INSERT INTO contacts(prisoner_id, visitor_id, contact_type, relationship, approved) VALUES"
    " (1,1,'social','Wife',1),(1,2,'social','Daughter',1);"
    "INSERT INTO visits(id, visit_type, establishment_id, prisoner_id, professional_user_id, "
    " date, start_at, end_at, restriction, status, booked_by, booked_at, updated_at) VALUES"
    " ('00000000000000000000000000000001','social','TST',1,NULL,'2026-11-23',"
    "  1795427400,1795429200,'open','in_progress',1,0,0);"
    "INSERT INTO visit_visitors(visit_id, visitor_id, main_contact) VALUES"
    " ('00000000000000000000000000000001',1,1),('00000000000000000000000000000001',2,0);";

#define V1 "00000000000000000000000000000001"

typedef struct {
  TestDbPlace place;
  BookDb *db;
} Fx;

static void fx_setup(Fx *f, gconstpointer d) {
  (void)d;
  f->place = testdb_place("booking-idcheck");
  f->db = testdb_open(&f->place);
  testdb_exec(f->db, FIXTURE);
  g_assert_cmpint(book_db_sync_ids(f->db), ==, 0);
}

static void fx_teardown(Fx *f, gconstpointer d) {
  (void)d;
  book_db_free(f->db);
  testdb_remove(&f->place);
}

static BookAdmission admitted(void) {
  BookAdmission a = {.admit = 1};
  g_strlcpy(a.type, "social", sizeof a.type);
  return a;
}

static void t_admission(Fx *f, gconstpointer d) {
  (void)d;
  /* no check at all: refused, the child on the visit needs none */
  BookAdmission a = admitted();
  g_assert_cmpint(book_idcheck_admission(f->db, 365, V1, 1, NOW, &a), ==, 0);
  g_assert_false(a.admit);
  g_assert_cmpstr(a.code, ==, "identity_unverified");
  g_assert_nonnull(strstr(a.message, "Adult One"));
  /* pending */
  testdb_exec(f->db, "INSERT INTO identity_checks(visitor_id, submitted_by, document_type, "
                     "selfie_type, created_at, submitted_at) VALUES (1,1,'image/jpeg','image/png',"
                     "1795420000,1795420000)");
  a = admitted();
  g_assert_cmpint(book_idcheck_admission(f->db, 365, V1, 1, NOW, &a), ==, 0);
  g_assert_cmpstr(a.code, ==, "identity_pending");
  /* rejected: the staff's reason is in the words */
  testdb_exec(f->db, "UPDATE identity_checks SET decision = 'rejected', reason = 'Photo too "
                     "dark', decided_by = 'staff', decided_at = 1795421000");
  a = admitted();
  g_assert_cmpint(book_idcheck_admission(f->db, 365, V1, 1, NOW, &a), ==, 0);
  g_assert_cmpstr(a.code, ==, "identity_rejected");
  g_assert_nonnull(strstr(a.message, "Photo too dark"));
  /* a new check approved: admitted; a year later: expired */
  testdb_exec(f->db, "INSERT INTO identity_checks(visitor_id, submitted_by, document_type, "
                     "selfie_type, created_at, submitted_at, decision, decided_by, decided_at) "
                     "VALUES (1,1,'image/jpeg','image/png',1795422000,1795422000,'approved',"
                     "'staff',1795422000)");
  a = admitted();
  g_assert_cmpint(book_idcheck_admission(f->db, 365, V1, 1, NOW, &a), ==, 0);
  g_assert_true(a.admit);
  a = admitted();
  g_assert_cmpint(book_idcheck_admission(f->db, 365, V1, 1, 1795422000 + 365 * DAY, &a), ==, 0);
  g_assert_cmpstr(a.code, ==, "identity_expired");
  /* other visit types and refusals already made are left alone */
  a = admitted();
  g_strlcpy(a.type, "legal", sizeof a.type);
  g_assert_cmpint(book_idcheck_admission(f->db, 365, V1, 1, 1795422000 + 400 * DAY, &a), ==, 0);
  g_assert_true(a.admit);
}

static void t_staff_and_decisions(Fx *f, gconstpointer d) {
  (void)d;
  BookActor staff = {.user_id = 2, .role = "booking_staff", .username = "staff",
                     .establishment_id = "TST"};
  BookActor other = {.user_id = 3, .role = "booking_staff", .username = "other",
                     .establishment_id = "OTH"};
  BookActor mon = {.user_id = 4, .role = "monitor", .username = "mon", .establishment_id = "TST"};
  g_assert_cmpint(book_idcheck_staff_may_see(f->db, &staff, 1), ==, 1);
  g_assert_cmpint(book_idcheck_staff_may_see(f->db, &other, 1), ==, 0);
  g_assert_cmpint(book_idcheck_staff_may_see(f->db, &mon, 1), ==, 0);
  /* a rejection removes the account from the live call, in the outbox */
  g_assert_cmpint(book_db_begin(f->db), ==, 0);
  g_assert_cmpint(book_idcheck_decisions(f->db, NOW, "staff", 1, "identity_rejected"), ==, 1);
  g_assert_cmpint(book_db_commit(f->db), ==, 0);
  char *p = testdb_qs(f->db, "SELECT participant || ' ' || reason || ' ' || action FROM "
                             "call_decisions");
  g_assert_cmpstr(p, ==, "visitor-1 identity_rejected remove_participant");
  g_free(p);
}

static void t_sweep(Fx *f, gconstpointer d) {
  (void)d;
  char *dir = g_dir_make_tmp("idsweep-XXXXXX", NULL);
  char *doc = g_build_filename(dir, "1-document-a.plid", NULL);
  char *self = g_build_filename(dir, "1-selfie-a.plid", NULL);
  g_assert_true(g_file_set_contents(doc, "x", 1, NULL));
  g_assert_true(g_file_set_contents(self, "y", 1, NULL));
  testdb_exec(f->db, "INSERT INTO identity_checks(id, visitor_id, submitted_by, document_file, "
                     "document_type, selfie_file, selfie_type, created_at, submitted_at, decision, "
                     "decided_by, decided_at) VALUES (1,1,1,'1-document-a.plid','image/jpeg',"
                     "'1-selfie-a.plid','image/jpeg',1795000000,1795000000,'approved','staff',"
                     "1795000000)");
  /* inside both periods: nothing */
  g_assert_cmpint(book_idcheck_sweep(f->db, dir, 1, 365, 30, 1795000000 + 29 * DAY), ==, 0);
  g_assert_true(g_file_test(doc, G_FILE_TEST_EXISTS));
  /* 30 days after the decision: images gone, names cleared, audited */
  g_assert_cmpint(book_idcheck_sweep(f->db, dir, 1, 365, 30, 1795000000 + 30 * DAY), ==, 1);
  g_assert_false(g_file_test(doc, G_FILE_TEST_EXISTS));
  g_assert_false(g_file_test(self, G_FILE_TEST_EXISTS));
  g_assert_cmpint(testdb_q(f->db, "SELECT count(*) FROM identity_checks WHERE document_file IS "
                                  "NULL AND selfie_file IS NULL AND images_deleted_at > 0"), ==, 1);
  g_assert_cmpint(testdb_q(f->db, "SELECT count(*) FROM audit_log WHERE action = "
                                  "'identity_images_deleted'"), ==, 1);
  /* a year after: the expiry reaches the live call once */
  int64_t later = 1795000000 + 365 * DAY;
  testdb_exec(f->db, "UPDATE visits SET start_at = 1795000000 + 365*86400 - 600, end_at = "
                     "1795000000 + 365*86400 + 1200");
  g_assert_cmpint(book_idcheck_sweep(f->db, dir, 1, 365, 30, later), ==, 1);
  g_assert_cmpint(book_idcheck_sweep(f->db, dir, 1, 365, 30, later + 60), ==, 0);
  g_assert_cmpint(testdb_q(f->db, "SELECT count(*) FROM call_decisions WHERE reason = "
                                  "'identity_expired'"), ==, 1);
  /* not required: no expiry decisions */
  g_assert_cmpint(book_idcheck_sweep(f->db, dir, 0, 365, 30, later + 120), ==, 0);
  g_rmdir(dir);
  g_free(doc);
  g_free(self);
  g_free(dir);
}

static void t_demo_verify(Fx *f, gconstpointer d) {
  (void)d;
  g_assert_cmpint(book_idcheck_demo_verify(f->db, NOW), ==, 1); /* the adult, not the child */
  g_assert_cmpint(book_idcheck_demo_verify(f->db, NOW), ==, 0); /* once */
  BookAdmission a = admitted();
  g_assert_cmpint(book_idcheck_admission(f->db, 365, V1, 1, NOW, &a), ==, 0);
  g_assert_true(a.admit);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  log_set_level(LOG_LEVEL_WARN);
  g_test_add_func("/booking/idcheck/status", t_status);
  g_test_add_func("/booking/idcheck/names_and_refusals", t_names_and_refusals);
  g_test_add_func("/booking/idcheck/retention", t_retention);
  g_test_add_func("/booking/idcheck/sniff_and_age", t_sniff_and_age);
  g_test_add_func("/booking/idcheck/crypt", t_crypt);
#define T(name, fn) g_test_add("/booking/idcheck/" name, Fx, NULL, fx_setup, fn, fx_teardown)
  T("admission", t_admission);
  T("staff_and_decisions", t_staff_and_decisions);
  T("sweep", t_sweep);
  T("demo_verify", t_demo_verify);
  return g_test_run();
}
