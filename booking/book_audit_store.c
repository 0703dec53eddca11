/* The audit chain's database half (book_audit.h): append, seal, read for
 * the verifier. The deciding is in book_audit_chain.c. */
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "book_audit.h"
#include "log.h"

/* The chain a row with this visit belongs to, into out (9+ bytes). 0 or -1. */
static int chain_of(BookDb *db, const char *visit_id, char *out, size_t size) {
  g_strlcpy(out, AUDIT_GLOBAL_CHAIN, size);
  if (!visit_id) return 0;
  BookStmt *st = book_db_stmt(db, "SELECT establishment_id FROM visits WHERE id = ?");
  if (!st) return -1;
  book_bind_text(st, 1, visit_id);
  int rc = book_db_row(db, st);
  if (rc == 1) {
    if (!book_col_null(st, 0)) g_strlcpy(out, book_col_text(st, 0), size);
    book_stmt_reset(st);
  }
  return rc < 0 ? -1 : 0;
}

/* The chain's head (created at seq 0 on first use), read so that no other
 * transaction can append to the chain until this one ends. 0 or -1. */
static int head_lock(BookDb *db, const char *chain, int64_t *seq, char hash[AUDIT_HASH_HEX]) {
  BookStmt *st = book_db_stmt(
      db, "INSERT OR IGNORE INTO audit_chain_heads(chain_id, seq, hash) VALUES (?, 0, ?)");
  if (!st) return -1;
  book_bind_text(st, 1, chain);
  book_bind_text(st, 2, audit_genesis_hash);
  if (book_db_step_done(db, st)) return -1;
  /* sqlite: the write transaction (BEGIN IMMEDIATE) already excludes every
   * other writer; PostgreSQL: the head row's lock serialises this chain. */
  st =
      book_db_stmt(db, book_db_engine(db) == BOOK_ENGINE_PG
                           ? "SELECT seq, hash FROM audit_chain_heads WHERE chain_id = ? FOR UPDATE"
                           : "SELECT seq, hash FROM audit_chain_heads WHERE chain_id = ?");
  if (!st) return -1;
  book_bind_text(st, 1, chain);
  int rc = book_db_row(db, st);
  if (rc != 1) return -1; /* just inserted: no row is a failure too */
  *seq = book_col_i64(st, 0);
  g_strlcpy(hash, book_col_text(st, 1) ? book_col_text(st, 1) : "", AUDIT_HASH_HEX);
  book_stmt_reset(st);
  return 0;
}

static int head_move(BookDb *db, const char *chain, int64_t seq, const char *hash) {
  BookStmt *st =
      book_db_stmt(db, "UPDATE audit_chain_heads SET seq = ?, hash = ? WHERE chain_id = ?");
  if (!st) return -1;
  book_bind_i64(st, 1, seq);
  book_bind_text(st, 2, hash);
  book_bind_text(st, 3, chain);
  return book_db_step_done(db, st) || book_db_changes(db) != 1 ? -1 : 0;
}

/* Fills r's chain fields (chain, seq, prev_hash, hash: caller's buffers)
 * as the next row of its chain, and moves the head. 0 or -1. */
static int link_next(BookDb *db, AuditRow *r, char *chain, size_t chain_size,
                     char prev[AUDIT_HASH_HEX], char hash[AUDIT_HASH_HEX]) {
  int64_t seq = 0;
  if (chain_of(db, r->visit_id, chain, chain_size) || head_lock(db, chain, &seq, prev)) return -1;
  r->chain_id = chain;
  r->seq = seq + 1;
  r->prev_hash = prev;
  if (audit_row_hash(r, hash)) return -1;
  r->hash = hash;
  return head_move(db, chain, r->seq, hash);
}

static int append_in_tx(BookDb *db, int64_t at, const char *actor, const char *visit_id,
                        const char *action, const char *detail) {
  AuditRow r = {.at = at,
                .actor = actor,
                .visit_id = visit_id,
                .action = action,
                .detail = detail ? detail : "{}"};
  char chain[64], prev[AUDIT_HASH_HEX], hash[AUDIT_HASH_HEX];
  if (link_next(db, &r, chain, sizeof chain, prev, hash)) return -1;
  BookStmt *st = book_db_stmt(db,
                              "INSERT INTO audit_log(at, actor, visit_id, action, detail, "
                              "chain_id, seq, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?)");
  if (!st) return -1;
  book_bind_i64(st, 1, at);
  book_bind_text(st, 2, actor);
  book_bind_text(st, 3, visit_id);
  book_bind_text(st, 4, action);
  book_bind_text(st, 5, r.detail);
  book_bind_text(st, 6, chain);
  book_bind_i64(st, 7, r.seq);
  book_bind_text(st, 8, prev);
  book_bind_text(st, 9, hash);
  return book_db_step_done(db, st);
}

int book_audit_append(BookDb *db, int64_t at, const char *actor, const char *visit_id,
                      const char *action, const char *detail_json) {
  if (book_db_in_tx(db)) return append_in_tx(db, at, actor, visit_id, action, detail_json);
  /* No transaction open (a caller auditing on its own): one of its own, so
   * the head and the row still move together. */
  if (book_db_begin(db)) return -1;
  if (append_in_tx(db, at, actor, visit_id, action, detail_json)) {
    book_db_rollback(db);
    return -1;
  }
  return book_db_commit(db);
}

/* ---- sealing rows written before the chain ---- */

typedef struct {
  int64_t id, at;
  char *actor, *visit_id, *action, *detail;
} Unsealed;

static void unsealed_clear(gpointer p) {
  Unsealed *u = p;
  g_free(u->actor);
  g_free(u->visit_id);
  g_free(u->action);
  g_free(u->detail);
}

static int seal_rows(BookDb *db, int *count) {
  GArray *rows = g_array_new(FALSE, TRUE, sizeof(Unsealed));
  g_array_set_clear_func(rows, unsealed_clear);
  BookStmt *st = book_db_stmt(db,
                              "SELECT id, at, actor, visit_id, action, detail FROM audit_log "
                              "WHERE hash IS NULL ORDER BY id");
  int rc;
  while ((rc = book_db_row(db, st)) == 1) {
    Unsealed u = {book_col_i64(st, 0),
                  book_col_i64(st, 1),
                  g_strdup(book_col_text(st, 2)),
                  g_strdup(book_col_text(st, 3)),
                  g_strdup(book_col_text(st, 4)),
                  g_strdup(book_col_text(st, 5))};
    g_array_append_val(rows, u);
  }
  int bad = rc < 0;
  for (guint i = 0; i < rows->len && !bad; i++) {
    Unsealed *u = &g_array_index(rows, Unsealed, i);
    AuditRow r = {.id = u->id,
                  .at = u->at,
                  .actor = u->actor,
                  .visit_id = u->visit_id,
                  .action = u->action,
                  .detail = u->detail};
    char chain[64], prev[AUDIT_HASH_HEX], hash[AUDIT_HASH_HEX];
    bad = link_next(db, &r, chain, sizeof chain, prev, hash);
    if (bad) break;
    st = book_db_stmt(db,
                      "UPDATE audit_log SET chain_id = ?, seq = ?, prev_hash = ?, hash = ? "
                      "WHERE id = ? AND hash IS NULL");
    book_bind_text(st, 1, chain);
    book_bind_i64(st, 2, r.seq);
    book_bind_text(st, 3, prev);
    book_bind_text(st, 4, hash);
    book_bind_i64(st, 5, u->id);
    bad = book_db_step_done(db, st) || book_db_changes(db) != 1;
  }
  *count = (int)rows->len;
  g_array_free(rows, TRUE);
  return bad ? -1 : 0;
}

/* Every recording already stored gets its recording_stored row (once). */
static int seal_recordings(BookDb *db, int64_t now, int *count) {
  GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)json_decref);
  BookStmt *st = book_db_stmt(db,
                              "SELECT id, visit_id, path, size, sha256 FROM recordings "
                              "ORDER BY id");
  int rc;
  while ((rc = book_db_row(db, st)) == 1)
    g_ptr_array_add(
        items, json_pack("{s:I, s:s, s:s, s:I, s:s, s:b}", "recording",
                         (json_int_t)book_col_i64(st, 0), "visit", book_col_text(st, 1), "path",
                         book_col_text(st, 2), "size", (json_int_t)book_col_i64(st, 3), "sha256",
                         book_col_text(st, 4), "sealed_later", 1));
  int bad = rc < 0;
  for (guint i = 0; i < items->len && !bad; i++) {
    json_t *d = items->pdata[i];
    char *visit = g_strdup(json_string_value(json_object_get(d, "visit")));
    json_object_del(d, "visit");
    char *dt = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    bad = !dt || append_in_tx(db, now, "system", visit, "recording_stored", dt);
    free(dt);
    g_free(visit);
  }
  *count = (int)items->len;
  g_ptr_array_free(items, TRUE);
  if (!bad) {
    st = book_db_stmt(db, "DELETE FROM audit_seal_pending");
    bad = book_db_step_done(db, st);
  }
  return bad ? -1 : 0;
}

int book_audit_seal_in_tx(BookDb *db) {
  int rows = 0;
  return seal_rows(db, &rows);
}

int book_audit_seal(BookDb *db, int64_t now) {
  int64_t unsealed = 0, pending = 0;
  if (book_db_scalar(db, "SELECT count(*) FROM audit_log WHERE hash IS NULL", &unsealed, 0) < 0 ||
      book_db_scalar(db, "SELECT count(*) FROM audit_seal_pending", &pending, 0) < 0)
    return -1;
  if (!unsealed && !pending) return 0;
  if (book_db_begin(db)) return -1;
  int rows = 0, recs = 0;
  /* Under the write lock again: another instance may have sealed them. */
  int bad = seal_rows(db, &rows);
  if (!bad && book_db_scalar(db, "SELECT count(*) FROM audit_seal_pending", &pending, 0) < 0)
    bad = 1;
  if (!bad && pending) bad = seal_recordings(db, now, &recs);
  if (bad) {
    book_db_rollback(db);
    log_error("audit_seal_failed", "engine=%s", book_db_engine_name(db));
    return -1;
  }
  if (book_db_commit(db)) return -1;
  log_info("audit_sealed", "rows=%d recordings=%d engine=%s", rows, recs, book_db_engine_name(db));
  return 0;
}

/* ---- reading for the verifier ---- */

typedef struct {
  GArray *rows; /* AuditRow, text owned by strs */
  GPtrArray *strs;
} Loaded;

static const char *keep(Loaded *l, const char *s) {
  if (!s) return NULL;
  char *c = g_strdup(s);
  g_ptr_array_add(l->strs, c);
  return c;
}

static int load_chain(BookDb *db, const char *chain, Loaded *l) {
  /* Unsealed rows (no chain) are listed with the global chain, where the
   * verifier names them. */
  BookStmt *st = book_db_stmt(db,
                              "SELECT id, chain_id, seq, at, actor, visit_id, action, detail, "
                              "prev_hash, hash FROM audit_log WHERE chain_id = ?1 OR "
                              "(?1 = '*' AND chain_id IS NULL) ORDER BY id");
  if (!st) return -1;
  book_bind_text(st, 1, chain);
  int rc;
  while ((rc = book_db_row(db, st)) == 1) {
    AuditRow r = {.id = book_col_i64(st, 0),
                  .chain_id = keep(l, book_col_text(st, 1)),
                  .seq = book_col_i64(st, 2),
                  .at = book_col_i64(st, 3),
                  .actor = keep(l, book_col_text(st, 4)),
                  .visit_id = keep(l, book_col_text(st, 5)),
                  .action = keep(l, book_col_text(st, 6)),
                  .detail = keep(l, book_col_text(st, 7)),
                  .prev_hash = keep(l, book_col_text(st, 8)),
                  .hash = keep(l, book_col_text(st, 9))};
    g_array_append_val(l->rows, r);
  }
  return rc < 0 ? -1 : 0;
}

/* SHA-256 (OpenSSL) of the file, not following a symlink. 0 or -1. */
static int file_sha256(const char *path, char hex[AUDIT_HASH_HEX], int64_t *size) {
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
  unsigned char buf[65536];
  ssize_t n = 0;
  int64_t total = 0;
  while (ok && (n = read(fd, buf, sizeof buf)) > 0) {
    ok = EVP_DigestUpdate(ctx, buf, (size_t)n) == 1;
    total += n;
  }
  close(fd);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  ok = ok && n == 0 && EVP_DigestFinal_ex(ctx, md, &len) == 1 && len == 32;
  EVP_MD_CTX_free(ctx);
  if (!ok) return -1;
  for (unsigned int i = 0; i < len; i++) g_snprintf(hex + 2 * i, 3, "%02x", md[i]);
  *size = total;
  return 0;
}

/* The chain's recordings (rows only; their paths into paths). */
static int load_recordings(BookDb *db, const char *chain, Loaded *l, GArray *recs,
                           GPtrArray *paths) {
  BookStmt *st = book_db_stmt(db,
                              "SELECT r.id, r.path, r.sha256, r.size FROM recordings r "
                              "LEFT JOIN visits v ON v.id = r.visit_id WHERE "
                              "coalesce(v.establishment_id, '*') = ? ORDER BY r.id");
  if (!st) return -1;
  book_bind_text(st, 1, chain);
  int rc;
  while ((rc = book_db_row(db, st)) == 1) {
    AuditRecording a = {.id = book_col_i64(st, 0),
                        .sha256 = keep(l, book_col_text(st, 2)),
                        .size = book_col_i64(st, 3)};
    g_array_append_val(recs, a);
    g_ptr_array_add(paths, g_strdup(book_col_text(st, 1)));
  }
  return rc < 0 ? -1 : 0;
}

/* Their files' bytes, outside any transaction (hashing takes time). */
static void hash_files(const char *root, Loaded *l, GArray *recs, GPtrArray *paths, int *hashed) {
  for (guint i = 0; root && i < recs->len; i++) {
    AuditRecording *a = &g_array_index(recs, AuditRecording, i);
    const char *why = NULL;
    char *full = book_recording_path(root, paths->pdata[i], &why);
    char hex[AUDIT_HASH_HEX] = "";
    if (!full && why && !strcmp(why, "missing")) {
      a->file = AUDIT_FILE_MISSING;
    } else {
      /* a symlink or odd entry counts as changed bytes, never followed */
      a->file = AUDIT_FILE_PRESENT;
      if (full && file_sha256(full, hex, &a->file_size) == 0) (*hashed)++;
      a->file_sha256 = keep(l, hex);
    }
    g_free(full);
  }
}

static json_t *verdict_json(const char *chain, size_t nrows, int64_t head_seq,
                            const char *head_hash, const AuditVerdict *v) {
  json_t *o = json_pack("{s:s, s:I, s:{s:I, s:s?}, s:b, s:s}", "chain", chain, "rows",
                        (json_int_t)nrows, "head", "seq", (json_int_t)head_seq, "hash", head_hash,
                        "intact", v->fault == AUDIT_INTACT, "reason", audit_fault_name(v->fault));
  if (v->fault != AUDIT_INTACT) {
    json_object_set_new(o, "row_id", v->row_id ? json_integer(v->row_id) : json_null());
    json_object_set_new(o, "seq", json_integer(v->seq));
    json_object_set_new(o, "expected_seq", json_integer(v->expected_seq));
    json_object_set_new(o, "recording_id",
                        v->recording_id ? json_integer(v->recording_id) : json_null());
    json_object_set_new(o, "message", json_string(v->message));
  }
  return o;
}

static int verify_one(BookDb *db, const char *root, const char *chain, const AuditAnchor *anchors,
                      size_t n_anchors, json_t *chains, int *recs_checked, int *hashed) {
  Loaded l = {g_array_new(FALSE, TRUE, sizeof(AuditRow)), g_ptr_array_new_with_free_func(g_free)};
  GArray *recs = g_array_new(FALSE, TRUE, sizeof(AuditRecording));
  GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
  int64_t head_seq = 0;
  const char *head_hash = NULL;
  /* One transaction for the rows, the head and the recordings: a snapshot
   * no concurrent append can tear (the head read after rows appended since
   * would look like deleted rows). */
  int rc = book_db_begin(db);
  if (!rc) rc = load_chain(db, chain, &l);
  if (!rc) {
    BookStmt *st = book_db_stmt(db, "SELECT seq, hash FROM audit_chain_heads WHERE chain_id = ?");
    book_bind_text(st, 1, chain);
    int h = book_db_row(db, st);
    if (h == 1) {
      head_seq = book_col_i64(st, 0);
      head_hash = keep(&l, book_col_text(st, 1));
      book_stmt_reset(st);
    }
    rc = h < 0 ? -1 : 0;
  }
  if (!rc) rc = load_recordings(db, chain, &l, recs, paths);
  book_db_rollback(db); /* read only */
  if (!rc) hash_files(root, &l, recs, paths, hashed);
  g_ptr_array_free(paths, TRUE);
  int fault = 0;
  if (!rc) {
    AuditVerdict v;
    AuditHead head = {head_seq, head_hash};
    const AuditRow *rows = (const AuditRow *)(void *)l.rows->data;
    fault = audit_chain_verify(chain, rows, l.rows->len, &head, &v);
    /* the recordings are judged only on an intact chain: a chain that was
     * rewritten proves nothing about them */
    if (!fault)
      fault = audit_recordings_verify(rows, l.rows->len, (const AuditRecording *)(void *)recs->data,
                                      recs->len, &v);
    for (size_t i = 0; i < n_anchors && !fault; i++)
      if (!strcmp(anchors[i].chain_id, chain))
        fault = audit_chain_check_anchor(rows, l.rows->len, &anchors[i], &v);
    *recs_checked += (int)recs->len;
    json_array_append_new(chains, verdict_json(chain, l.rows->len, head_seq, head_hash, &v));
    if (fault)
      log_warn("audit_chain_fault", "chain=%s reason=%s row=%lld", chain, audit_fault_name(v.fault),
               (long long)v.row_id);
  }
  g_array_free(recs, TRUE);
  g_array_free(l.rows, TRUE);
  g_ptr_array_free(l.strs, TRUE);
  return rc < 0 ? -1 : fault;
}

int book_audit_verify(BookDb *db, const char *root, const char *chain_id, json_t **out) {
  return book_audit_verify_anchored(db, root, chain_id, NULL, 0, out);
}

int book_audit_verify_anchored(BookDb *db, const char *root, const char *chain_id,
                               const AuditAnchor *anchors, size_t n_anchors, json_t **out) {
  *out = NULL;
  GPtrArray *chains = g_ptr_array_new_with_free_func(g_free);
  if (chain_id) {
    g_ptr_array_add(chains, g_strdup(chain_id));
  } else {
    /* Every chain any row or head names, and the global one always. */
    BookStmt *st = book_db_stmt(db,
                                "SELECT chain_id FROM audit_chain_heads UNION SELECT "
                                "chain_id FROM audit_log WHERE chain_id IS NOT NULL UNION "
                                "SELECT '*' ORDER BY 1");
    int rc;
    while ((rc = book_db_row(db, st)) == 1) g_ptr_array_add(chains, g_strdup(book_col_text(st, 0)));
    if (rc < 0) {
      g_ptr_array_free(chains, TRUE);
      return -1;
    }
  }
  json_t *arr = json_array();
  int recs = 0, hashed = 0, any = 0, bad = 0;
  for (guint i = 0; i < chains->len && !bad; i++) {
    int r = verify_one(db, root, chains->pdata[i], anchors, n_anchors, arr, &recs, &hashed);
    if (r < 0) bad = 1;
    any |= r == 1;
  }
  g_ptr_array_free(chains, TRUE);
  if (bad) {
    json_decref(arr);
    return -1;
  }
  *out = json_pack("{s:b, s:o, s:i, s:i}", "intact", !any, "chains", arr, "recordings_checked",
                   recs, "files_hashed", hashed);
  return any;
}
