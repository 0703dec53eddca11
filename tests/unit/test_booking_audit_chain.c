/* The audit chain (issue 18 part 3): the canonical serialisation and hash,
 * the pure verifier on hand-made chains (edited, deleted, reordered,
 * relinked, tail cut, head changed, unsealed; recordings changed, missing,
 * tombstoned, unchained), and on the real database (sqlite, or PostgreSQL
 * with PARLOUR_DB_ENGINE=pg): book_audit chains rows per establishment, rows
 * written before the chain are sealed once at open, and real edits made
 * with SQL are found by book_audit_verify. */
#include <glib.h>
#include <openssl/evp.h>
#include <string.h>

#include "book_audit.h"
#include "book_audit_chain.h"
#include "book_rules.h"
#include "booking_testdb.h"

#define N 6

typedef struct {
  AuditRow rows[N];
  char prev[N][AUDIT_HASH_HEX], hash[N][AUDIT_HASH_HEX], detail[N][200];
  AuditHead head;
} Chain;

/* A well-formed chain "LEI" of N rows; row 2 stores recording 7, row 4 is
 * its tombstone when tomb, row 3 stores recording 8. */
static void make_chain(Chain *c, int tomb) {
  memset(c, 0, sizeof *c);
  const char *prev = audit_genesis_hash;
  for (int i = 0; i < N; i++) {
    AuditRow *r = &c->rows[i];
    r->id = 100 + i * 2; /* ids need not be dense */
    r->chain_id = "LEI";
    r->seq = i + 1;
    r->at = 1700000000 + i;
    r->actor = "staff.booking";
    r->visit_id = i % 2 ? "0123456789abcdef" : NULL;
    r->action = "booked";
    g_snprintf(c->detail[i], sizeof c->detail[i], "{\"n\":%d}", i);
    if (i == 2) {
      r->action = "recording_stored";
      g_snprintf(c->detail[i], sizeof c->detail[i],
                 "{\"path\":\"v/s/a.webm\",\"recording\":7,\"sha256\":\"%064d\",\"size\":10}", 7);
    }
    if (i == 3) {
      r->action = "recording_stored";
      g_snprintf(c->detail[i], sizeof c->detail[i],
                 "{\"path\":\"v/s/b.webm\",\"recording\":8,\"sha256\":\"%064d\",\"size\":20}", 8);
    }
    if (i == 4 && tomb) {
      r->action = "recording_deleted";
      g_snprintf(c->detail[i], sizeof c->detail[i],
                 "{\"reason\":\"retention_period_over\",\"recording\":7,\"sha256\":\"%064d\"}", 7);
    }
    r->detail = c->detail[i];
    g_strlcpy(c->prev[i], prev, AUDIT_HASH_HEX);
    r->prev_hash = c->prev[i];
    g_assert_cmpint(audit_row_hash(r, c->hash[i]), ==, 0);
    r->hash = c->hash[i];
    prev = c->hash[i];
  }
  c->head.seq = N;
  c->head.hash = c->hash[N - 1];
}

static void rehash(Chain *c, int i) {
  g_assert_cmpint(audit_row_hash(&c->rows[i], c->hash[i]), ==, 0);
}

static AuditFault verify(Chain *c, size_t n, AuditVerdict *v) {
  int bad = audit_chain_verify("LEI", c->rows, n, &c->head, v);
  g_assert_cmpint(bad, ==, v->fault != AUDIT_INTACT);
  return v->fault;
}

static void t_canonical(void) {
  AuditRow r = {.chain_id = "*",
                .seq = 3,
                .at = 42,
                .actor = "a\nb",
                .visit_id = NULL,
                .action = "x",
                .detail = "{}",
                .prev_hash = audit_genesis_hash};
  size_t len;
  char *bytes = audit_row_canonical(&r, &len);
  const char *want =
      "parlour-audit-v1\n1:*\n1:3\n2:42\n3:a\nb\n-\n1:x\n2:{}\n64:"
      "0000000000000000000000000000000000000000000000000000000000000000\n";
  g_assert_cmpuint(len, ==, strlen(want));
  g_assert_cmpmem(bytes, len, want, strlen(want));
  /* the hash is SHA-256 of those bytes, independently computed */
  unsigned char md[32];
  unsigned int mdlen = 0;
  g_assert_cmpint(EVP_Digest(want, strlen(want), md, &mdlen, EVP_sha256(), NULL), ==, 1);
  char hex[65], h[AUDIT_HASH_HEX];
  for (int i = 0; i < 32; i++) g_snprintf(hex + 2 * i, 3, "%02x", md[i]);
  g_assert_cmpint(audit_row_hash(&r, h), ==, 0);
  g_assert_cmpstr(h, ==, hex);
  /* NULL and "" differ; a field's bytes cannot slide into the next one */
  AuditRow r2 = r;
  r2.visit_id = "";
  char h2[AUDIT_HASH_HEX];
  g_assert_cmpint(audit_row_hash(&r2, h2), ==, 0);
  g_assert_cmpstr(h, !=, h2);
  AuditRow a = r, b = r;
  a.actor = "ab";
  a.action = "c";
  b.actor = "a";
  b.action = "bc";
  g_assert_cmpint(audit_row_hash(&a, h), ==, 0);
  g_assert_cmpint(audit_row_hash(&b, h2), ==, 0);
  g_assert_cmpstr(h, !=, h2);
  g_free(bytes);
}

static void t_intact(void) {
  Chain c;
  make_chain(&c, 0);
  AuditVerdict v;
  g_assert_cmpint(verify(&c, N, &v), ==, AUDIT_INTACT);
  g_assert_cmpstr(audit_fault_name(v.fault), ==, "intact");
  /* an empty chain with no head is intact too */
  g_assert_cmpint(audit_chain_verify("LEI", NULL, 0, NULL, &v), ==, 0);
}

static void t_edited(void) {
  Chain c;
  make_chain(&c, 0);
  AuditVerdict v;
  c.rows[3].detail = "{\"n\":99}";
  g_assert_cmpint(verify(&c, N, &v), ==, AUDIT_EDITED);
  g_assert_cmpint(v.row_id, ==, 106);
  g_assert_cmpint(v.seq, ==, 4);
  g_assert_nonnull(strstr(v.message, "106"));
  make_chain(&c, 0);
  c.rows[1].at += 1; /* any field: the time */
  g_assert_cmpint(verify(&c, N, &v), ==, AUDIT_EDITED);
  g_assert_cmpint(v.row_id, ==, 102);
  make_chain(&c, 0);
  c.rows[0].visit_id = "0123456789abcdef"; /* NULL to a value */
  g_assert_cmpint(verify(&c, N, &v), ==, AUDIT_EDITED);
  g_assert_cmpint(v.row_id, ==, 100);
  make_chain(&c, 0);
  c.rows[5].seq = 9; /* its place */
  g_assert_cmpint(verify(&c, N, &v), ==, AUDIT_EDITED);
  g_assert_cmpint(v.row_id, ==, 110);
}

static void t_deleted(void) {
  Chain c;
  make_chain(&c, 0);
  AuditVerdict v;
  memmove(&c.rows[2], &c.rows[3], sizeof(AuditRow) * (N - 3)); /* seq 3 gone */
  g_assert_cmpint(verify(&c, N - 1, &v), ==, AUDIT_DELETED);
  g_assert_cmpint(v.row_id, ==, 106);
  g_assert_cmpint(v.expected_seq, ==, 3);
  g_assert_cmpint(v.seq, ==, 4);
  /* the newest row deleted: the head says so */
  make_chain(&c, 0);
  g_assert_cmpint(verify(&c, N - 1, &v), ==, AUDIT_TAIL_DELETED);
  g_assert_cmpint(v.expected_seq, ==, N);
  g_assert_cmpint(v.seq, ==, N);
  /* ... and the head moved back too: its hash is still the old last row's */
  c.head.seq = N - 1;
  g_assert_cmpint(verify(&c, N - 1, &v), ==, AUDIT_HEAD_MISMATCH);
  g_assert_cmpint(v.row_id, ==, 108);
  /* the head gone while rows remain */
  make_chain(&c, 0);
  c.head.seq = 0;
  c.head.hash = NULL;
  g_assert_cmpint(verify(&c, N, &v), ==, AUDIT_HEAD_MISSING);
  /* every row deleted, the head left */
  make_chain(&c, 0);
  g_assert_cmpint(verify(&c, 0, &v), ==, AUDIT_TAIL_DELETED);
}

static void t_reordered(void) {
  Chain c;
  make_chain(&c, 0);
  AuditVerdict v;
  AuditRow t = c.rows[2]; /* ids swapped: seq 4 now comes before seq 3 */
  c.rows[2] = c.rows[3];
  c.rows[3] = t;
  g_assert_cmpint(verify(&c, N, &v), ==, AUDIT_REORDERED);
  g_assert_cmpint(v.seq, ==, 4);
  g_assert_cmpint(v.expected_seq, ==, 3);
  /* a row moved to the front */
  make_chain(&c, 0);
  t = c.rows[4];
  memmove(&c.rows[1], &c.rows[0], sizeof(AuditRow) * 4);
  c.rows[0] = t;
  g_assert_cmpint(verify(&c, N, &v), ==, AUDIT_REORDERED);
  g_assert_cmpint(v.seq, ==, 5);
}

static void t_broken_link(void) {
  Chain c;
  make_chain(&c, 0);
  AuditVerdict v;
  /* a forger deletes seq 3, renumbers seq 4 and rehashes it: its own hash
   * fits but its prev_hash is not seq 2's */
  memmove(&c.rows[2], &c.rows[3], sizeof(AuditRow) * (N - 3));
  c.rows[2].seq = 3;
  rehash(&c, 2);
  c.rows[2].hash = c.hash[2];
  g_assert_cmpint(verify(&c, N - 1, &v), ==, AUDIT_BROKEN_LINK);
  g_assert_cmpint(v.row_id, ==, 106);
}

/* A forger who knows the scheme rewrites row 3 and recomputes every hash
 * after it and the head: the chain alone is intact; a head kept from
 * before names the row that no longer matches it. */
static void t_anchor(void) {
  Chain c;
  make_chain(&c, 0);
  AuditVerdict v;
  char kept[AUDIT_HASH_HEX];
  g_strlcpy(kept, c.hash[4], sizeof kept);
  AuditAnchor a = {"LEI", 5, kept};
  g_assert_cmpint(audit_chain_check_anchor(c.rows, N, &a, &v), ==, 0);
  c.rows[2].actor = "forger";
  for (int i = 2; i < N; i++) {
    if (i > 2) g_strlcpy(c.prev[i], c.hash[i - 1], AUDIT_HASH_HEX);
    rehash(&c, i);
  }
  c.head.hash = c.hash[N - 1];
  g_assert_cmpint(verify(&c, N, &v), ==, AUDIT_INTACT);
  g_assert_cmpint(audit_chain_check_anchor(c.rows, N, &a, &v), ==, 1);
  g_assert_cmpint(v.fault, ==, AUDIT_ANCHOR_MISMATCH);
  g_assert_cmpint(v.row_id, ==, 108);
  g_assert_cmpstr(audit_fault_name(v.fault), ==, "anchor_mismatch");
  /* rewritten shorter than the kept head */
  g_assert_cmpint(audit_chain_check_anchor(c.rows, 4, &a, &v), ==, 1);
  g_assert_cmpint(v.row_id, ==, 0);
  g_assert_cmpint(v.seq, ==, 5);
}

static void t_unsealed_and_wrong_chain(void) {
  Chain c;
  make_chain(&c, 0);
  AuditVerdict v;
  c.rows[2].hash = NULL;
  g_assert_cmpint(verify(&c, N, &v), ==, AUDIT_UNSEALED);
  g_assert_cmpint(v.row_id, ==, 104);
  make_chain(&c, 0);
  c.rows[1].chain_id = "BRI";
  g_assert_cmpint(verify(&c, N, &v), ==, AUDIT_WRONG_CHAIN);
  make_chain(&c, 0);
  c.rows[1].seq = 0;
  g_assert_cmpint(verify(&c, N, &v), ==, AUDIT_UNSEALED);
}

static void t_recordings(void) {
  Chain c;
  make_chain(&c, 0);
  char s7[65], s8[65];
  g_snprintf(s7, sizeof s7, "%064d", 7);
  g_snprintf(s8, sizeof s8, "%064d", 8);
  AuditRecording recs[2] = {{7, s7, 10, AUDIT_FILE_PRESENT, s7, 10},
                            {8, s8, 20, AUDIT_FILE_PRESENT, s8, 20}};
  AuditVerdict v;
  g_assert_cmpint(audit_recordings_verify(c.rows, N, recs, 2, &v), ==, 0);
  /* the file's bytes changed */
  recs[1].file_sha256 = s7;
  g_assert_cmpint(audit_recordings_verify(c.rows, N, recs, 2, &v), ==, 1);
  g_assert_cmpint(v.fault, ==, AUDIT_RECORDING_CHANGED);
  g_assert_cmpint(v.row_id, ==, 106);
  g_assert_cmpint(v.recording_id, ==, 8);
  recs[1].file_sha256 = s8;
  recs[1].file_size = 21; /* appended to */
  g_assert_cmpint(audit_recordings_verify(c.rows, N, recs, 2, &v), ==, 1);
  g_assert_cmpint(v.fault, ==, AUDIT_RECORDING_CHANGED);
  recs[1].file_size = 20;
  /* the file gone with no tombstone */
  recs[0].file = AUDIT_FILE_MISSING;
  g_assert_cmpint(audit_recordings_verify(c.rows, N, recs, 2, &v), ==, 1);
  g_assert_cmpint(v.fault, ==, AUDIT_RECORDING_MISSING);
  g_assert_cmpint(v.row_id, ==, 104);
  /* ... with one: fine */
  make_chain(&c, 1);
  g_assert_cmpint(audit_recordings_verify(c.rows, N, recs, 2, &v), ==, 0);
  /* the table's hash rewritten to match new bytes */
  recs[1].sha256 = s7;
  recs[1].file_sha256 = s7;
  g_assert_cmpint(audit_recordings_verify(c.rows, N, recs, 2, &v), ==, 1);
  g_assert_cmpint(v.fault, ==, AUDIT_RECORDING_ROW_CHANGED);
  g_assert_cmpint(v.recording_id, ==, 8);
  /* the table's row deleted */
  g_assert_cmpint(audit_recordings_verify(c.rows, N, recs, 1, &v), ==, 1);
  g_assert_cmpint(v.fault, ==, AUDIT_RECORDING_ROW_MISSING);
  g_assert_cmpint(v.recording_id, ==, 8);
  /* a recording the chain never stored */
  AuditRecording extra[3] = {
      recs[0], {8, s8, 20, AUDIT_FILE_PRESENT, s8, 20}, {9, s8, 20, AUDIT_FILE_PRESENT, s8, 20}};
  g_assert_cmpint(audit_recordings_verify(c.rows, N, extra, 3, &v), ==, 1);
  g_assert_cmpint(v.fault, ==, AUDIT_RECORDING_UNCHAINED);
  g_assert_cmpint(v.recording_id, ==, 9);
  g_assert_cmpint(v.row_id, ==, 0);
  /* files not checked: only the table is compared */
  extra[1].file = AUDIT_FILE_NOT_CHECKED;
  extra[1].file_sha256 = NULL;
  g_assert_cmpint(audit_recordings_verify(c.rows, N, extra, 2, &v), ==, 0);
}

static void t_recordings_bad_detail(void) {
  Chain c;
  make_chain(&c, 0);
  /* not JSON, no recording id, a string id: ignored, never a crash; the
   * recording they would have stored is then unchained */
  const char *bad[] = {"not json", "{}", "{\"recording\":\"7\"}", "[1]"};
  char s7[65], s8[65];
  g_snprintf(s7, sizeof s7, "%064d", 7);
  g_snprintf(s8, sizeof s8, "%064d", 8);
  AuditRecording recs[2] = {{7, s7, 10, AUDIT_FILE_NOT_CHECKED, NULL, 0},
                            {8, s8, 20, AUDIT_FILE_NOT_CHECKED, NULL, 0}};
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    c.rows[2].detail = bad[i];
    AuditVerdict v;
    g_assert_cmpint(audit_recordings_verify(c.rows, N, recs, 2, &v), ==, 1);
    g_assert_cmpint(v.fault, ==, AUDIT_RECORDING_UNCHAINED);
    g_assert_cmpint(v.recording_id, ==, 7);
  }
}

/* ---- on the real database ---- */

static json_t *chain_of(json_t *report, const char *id) {
  json_t *c;
  size_t i;
  json_array_foreach(json_object_get(report, "chains"), i,
                     c) if (!strcmp(json_string_value(json_object_get(c, "chain")), id)) return c;
  return NULL;
}

static void seed(BookDb *db) {
  testdb_exec(db,
              "INSERT INTO establishments(id, name) VALUES ('LEI', 'Leeds'); "
              "INSERT INTO establishments(id, name) VALUES ('BRI', 'Bristol')");
  testdb_exec(db,
              "INSERT INTO users(id, username, display_name, role, password_hash, "
              "created_at) VALUES (1, 'u', 'U', 'admin', 'x', 1); "
              "INSERT INTO prisoners(id, prison_number, name, establishment_id, status) "
              "VALUES (1, 'A1234BC', 'P', 'LEI', 'convicted')");
  testdb_exec(db,
              "INSERT INTO visits(id, visit_type, establishment_id, prisoner_id, date, "
              "start_at, end_at, restriction, status, booked_by, booked_at, updated_at) "
              "VALUES ('aaaaaaaaaaaaaaaa', 'legal', 'LEI', 1, '2026-12-06', 1, 2, 'open', "
              "'booked', 1, 1, 1)");
}

static void t_db_chain(void) {
  TestDbPlace p = testdb_place("audit-chain");
  BookDb *db = testdb_open(&p);
  seed(db);
  /* a row outside a transaction gets its own; inside, the caller's */
  g_assert_cmpint(book_audit(db, 10, "t", NULL, "global_1", NULL), ==, 0);
  g_assert_cmpint(book_db_begin(db), ==, 0);
  g_assert_cmpint(book_audit(db, 11, "t", "aaaaaaaaaaaaaaaa", "lei_1", "{\"a\":1}"), ==, 0);
  g_assert_cmpint(book_audit(db, 12, "t", "aaaaaaaaaaaaaaaa", "lei_2", NULL), ==, 0);
  g_assert_cmpint(book_audit(db, 13, "t", "ffffffffffffffff", "global_2", NULL), ==, 0);
  g_assert_cmpint(book_db_commit(db), ==, 0);
  /* a rolled back row leaves neither the row nor a moved head */
  g_assert_cmpint(book_db_begin(db), ==, 0);
  g_assert_cmpint(book_audit(db, 14, "t", "aaaaaaaaaaaaaaaa", "gone", NULL), ==, 0);
  book_db_rollback(db);
  g_assert_cmpint(testdb_q(db, "SELECT seq FROM audit_chain_heads WHERE chain_id = 'LEI'"), ==, 2);
  g_assert_cmpint(testdb_q(db,
                           "SELECT seq FROM audit_log WHERE action = 'global_2' AND "
                           "chain_id = '*'"),
                  ==, 2);
  json_t *rep = NULL;
  g_assert_cmpint(book_audit_verify(db, NULL, NULL, &rep), ==, 0);
  g_assert_true(json_is_true(json_object_get(rep, "intact")));
  g_assert_cmpint(json_integer_value(json_object_get(chain_of(rep, "LEI"), "rows")), ==, 2);
  g_assert_cmpint(json_integer_value(json_object_get(chain_of(rep, "*"), "rows")), ==, 2);
  json_decref(rep);
  /* still append-only: an UPDATE of a sealed row and a DELETE are refused */
  g_assert_cmpint(testdb_try(db, "UPDATE audit_log SET action = 'x' WHERE action = 'lei_1'"), !=,
                  0);
  g_assert_cmpint(testdb_try(db, "UPDATE audit_log SET hash = 'x' WHERE action = 'lei_1'"), !=, 0);
  g_assert_cmpint(testdb_try(db, "DELETE FROM audit_log"), !=, 0);
  /* someone with the file drops the triggers and edits a row: named */
  testdb_exec(db, testdb_pg() ? "DROP TRIGGER audit_no_update ON audit_log"
                              : "DROP TRIGGER audit_no_update");
  testdb_exec(db, "UPDATE audit_log SET detail = '{\"a\":2}' WHERE action = 'lei_1'");
  int64_t id = testdb_q(db, "SELECT id FROM audit_log WHERE action = 'lei_1'");
  g_assert_cmpint(book_audit_verify(db, NULL, "LEI", &rep), ==, 1);
  json_t *c = chain_of(rep, "LEI");
  g_assert_cmpstr(json_string_value(json_object_get(c, "reason")), ==, "edited");
  g_assert_cmpint(json_integer_value(json_object_get(c, "row_id")), ==, id);
  g_assert_null(chain_of(rep, "*")); /* only the chain asked for */
  json_decref(rep);
  /* a storage failure is -1, never "intact" */
  testdb_exec(db, "ALTER TABLE audit_chain_heads RENAME TO gone_heads");
  g_assert_cmpint(book_audit_verify(db, NULL, NULL, &rep), ==, -1);
  g_assert_null(rep);
  g_assert_cmpint(book_audit(db, 15, "t", NULL, "x", NULL), ==, -1);
  book_db_free(db);
  testdb_remove(&p);
}

/* A database from before the chain: its rows are sealed once, in id order,
 * and its recordings get recording_stored rows. */
static void t_db_seal_existing(void) {
  TestDbPlace p = testdb_place("audit-seal");
  BookDb *db = testdb_open(&p);
  seed(db);
  /* as an old binary wrote them: no chain columns (allowed: an INSERT) */
  testdb_exec(db,
              "INSERT INTO audit_log(at, actor, visit_id, action, detail) VALUES "
              "(1, 'old', NULL, 'old_global', '{}'); "
              "INSERT INTO audit_log(at, actor, visit_id, action, detail) VALUES "
              "(2, 'old', 'aaaaaaaaaaaaaaaa', 'old_lei', '{}'); "
              "INSERT INTO audit_log(at, actor, visit_id, action, detail) VALUES "
              "(3, 'old', NULL, 'old_global_2', '{}'); "
              "INSERT INTO recordings(visit_id, path, size, sha256, created_at) VALUES "
              "('aaaaaaaaaaaaaaaa', 'a/b/c.webm', 5, 'abc', 4); "
              "INSERT INTO audit_seal_pending(one) VALUES (1)");
  book_db_free(db);
  db = testdb_open(&p); /* start-up seals */
  g_assert_cmpint(testdb_q(db, "SELECT count(*) FROM audit_log WHERE hash IS NULL"), ==, 0);
  g_assert_cmpint(testdb_q(db, "SELECT seq FROM audit_log WHERE action = 'old_global_2'"), ==, 2);
  g_assert_cmpint(testdb_q(db, "SELECT seq FROM audit_log WHERE action = 'old_lei'"), ==, 1);
  g_assert_cmpint(testdb_q(db,
                           "SELECT count(*) FROM audit_log WHERE action = 'recording_stored' "
                           "AND chain_id = 'LEI' AND seq = 2"),
                  ==, 1);
  g_assert_cmpint(testdb_q(db, "SELECT count(*) FROM audit_seal_pending"), ==, 0);
  json_t *rep = NULL;
  g_assert_cmpint(book_audit_verify(db, NULL, NULL, &rep), ==, 0);
  json_decref(rep);
  /* once: opening again seals nothing more */
  book_db_free(db);
  db = testdb_open(&p);
  g_assert_cmpint(testdb_q(db, "SELECT count(*) FROM audit_log"), ==, 4);
  /* a row written by an old binary after the seal is named unsealed */
  testdb_exec(db,
              "INSERT INTO audit_log(at, actor, visit_id, action, detail) VALUES "
              "(5, 'old', NULL, 'late', '{}')");
  int64_t late = testdb_q(db, "SELECT id FROM audit_log WHERE action = 'late'");
  g_assert_cmpint(book_audit_verify(db, NULL, "*", &rep), ==, 1);
  json_t *c = chain_of(rep, "*");
  g_assert_cmpstr(json_string_value(json_object_get(c, "reason")), ==, "unsealed");
  g_assert_cmpint(json_integer_value(json_object_get(c, "row_id")), ==, late);
  json_decref(rep);
  book_db_free(db);
  testdb_remove(&p);
}

/* The visits sweep audits many visits in one INSERT ... SELECT: those rows
 * are sealed in the sweep's own transaction, so the chain stays intact. */
static void t_sweep_sealed(void) {
  TestDbPlace p = testdb_place("audit-sweep");
  BookDb *db = testdb_open(&p);
  seed(db); /* one booked visit that ended at t=2 */
  g_assert_cmpint(book_audit(db, 3, "t", "aaaaaaaaaaaaaaaa", "before", NULL), ==, 0);
  g_assert_cmpint(book_visits_sweep(db, 100), ==, 1);
  g_assert_cmpint(testdb_q(db, "SELECT count(*) FROM audit_log WHERE hash IS NULL"), ==, 0);
  g_assert_cmpint(testdb_q(db,
                           "SELECT seq FROM audit_log WHERE action = 'missed' AND "
                           "chain_id = 'LEI'"),
                  ==, 2);
  json_t *rep = NULL;
  g_assert_cmpint(book_audit_verify(db, NULL, NULL, &rep), ==, 0);
  g_assert_true(json_is_true(json_object_get(rep, "intact")));
  json_decref(rep);
  book_db_free(db);
  testdb_remove(&p);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/booking/audit_chain/canonical", t_canonical);
  g_test_add_func("/booking/audit_chain/intact", t_intact);
  g_test_add_func("/booking/audit_chain/edited", t_edited);
  g_test_add_func("/booking/audit_chain/deleted", t_deleted);
  g_test_add_func("/booking/audit_chain/reordered", t_reordered);
  g_test_add_func("/booking/audit_chain/broken_link", t_broken_link);
  g_test_add_func("/booking/audit_chain/anchor", t_anchor);
  g_test_add_func("/booking/audit_chain/unsealed_wrong_chain", t_unsealed_and_wrong_chain);
  g_test_add_func("/booking/audit_chain/recordings", t_recordings);
  g_test_add_func("/booking/audit_chain/recordings_bad_detail", t_recordings_bad_detail);
  g_test_add_func("/booking/audit_chain/db_chain", t_db_chain);
  g_test_add_func("/booking/audit_chain/db_seal_existing", t_db_seal_existing);
  g_test_add_func("/booking/audit_chain/sweep_sealed", t_sweep_sealed);
  return g_test_run();
}
