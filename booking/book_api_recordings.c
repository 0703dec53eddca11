/* Recordings for reviewers (issue 7, docs/recording.md "Booking"): list,
 * view, download with HTTP Range, keep with a reason, and the retention
 * purge. Only the reviewer role sees any of it (every other role 403: a
 * recording of a family's call is not for booking staff or monitors), and
 * every list, view, download, keep and deletion is audited.
 *
 * A reviewer sees only the recordings of their own establishment's prison
 * visits (issue 14): the visit's establishment is the reviewer's, exactly
 * as for the visit's details (book_visit_visible), and never a probation or
 * telemedicine visit (none can be recorded today; enforced all the same). A
 * recording or visit outside that answers 404 like an unknown id, so ids
 * cannot be probed, and the attempt is audited on the visit. An admin with
 * no establishment would see all (the role check keeps admins out today).
 *
 * Files are read only from inside [recording] directory: the stored path is
 * checked again at every use (relative, no ".." or dot segment) and the
 * resolved file must be exactly root/path with no symlink on the way. Its
 * SHA-256 is checked against the row before it is first served; a mismatch
 * is never served (409, audited). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "book_api.h"
#include "book_audit.h"
#include "book_recording_failures.h"
#include "log.h"

#define REC_SELECT                                                                          \
  "SELECT id, visit_id, participant, piece, part, path, size, sha256, start_offset_ms, "    \
  "duration_ms, complete, created_at, verified, retain_reason, retain_by, retain_at, "      \
  "deleted_at, deleted_by FROM recordings"

static const char *const REVIEWER[] = {"reviewer", NULL};

/* The visit (?1 or a column) is in the actor's scope: ?E = the actor's
 * establishment (NULL: none), ?R = the actor's role. */
#define SCOPE_OF(visit, E, R)                                                                  \
  "((" R " = 'admin' AND " E " IS NULL) OR EXISTS (SELECT 1 FROM visits sv WHERE sv.id = "     \
  visit " AND sv.prisoner_id IS NOT NULL AND sv.visit_type NOT IN ('probation', "              \
  "'telemedicine') AND " E " IS NOT NULL AND sv.establishment_id = " E "))"

static const char *col_text(BookStmt *st, int i) {
  return book_col_text(st, i);
}

static json_t *nullable_text(BookStmt *st, int i) {
  return book_col_null(st, i) ? json_null() : json_string(col_text(st, i));
}

static json_t *nullable_int(BookStmt *st, int i) {
  return book_col_null(st, i) ? json_null()
                                                   : json_integer(book_col_i64(st, i));
}

static json_t *rec_row(BookStmt *st, int retention_days) {
  const char *path = col_text(st, 5);
  const char *slash = strrchr(path, '/');
  int64_t created = book_col_i64(st, 11);
  int retained = !book_col_null(st, 13);
  int deleted = !book_col_null(st, 16);
  int verified = book_col_int(st, 12);
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(book_col_i64(st, 0)));
  json_object_set_new(o, "visit_id", json_string(col_text(st, 1)));
  json_object_set_new(o, "participant", nullable_text(st, 2));
  json_object_set_new(o, "piece", json_integer(book_col_i64(st, 3)));
  json_object_set_new(o, "part", json_integer(book_col_i64(st, 4)));
  json_object_set_new(o, "path", json_string(path));
  json_object_set_new(o, "name", json_string(slash ? slash + 1 : path));
  json_object_set_new(o, "size", json_integer(book_col_i64(st, 6)));
  json_object_set_new(o, "sha256", json_string(col_text(st, 7)));
  json_object_set_new(o, "start_offset_ms", json_integer(book_col_i64(st, 8)));
  json_object_set_new(o, "duration_ms", json_integer(book_col_i64(st, 9)));
  json_object_set_new(o, "complete", json_boolean(book_col_int(st, 10)));
  /* Said in words too: a partial file (its recording failed, e.g. a full
   * disk) must never pass for the whole of the call. */
  json_object_set_new(o, "state", json_string(book_col_int(st, 10) ? "complete" : "partial"));
  json_object_set_new(o, "created_at", json_integer(created));
  json_object_set_new(o, "verified", json_string(verified > 0   ? "ok"
                                                 : verified < 0 ? "mismatch"
                                                                : "not_yet"));
  json_object_set_new(o, "retained",
                      retained ? json_pack("{s:o, s:o, s:o}", "reason", nullable_text(st, 13),
                                           "by", nullable_text(st, 14), "at",
                                           nullable_int(st, 15))
                               : json_null());
  json_object_set_new(o, "expires_at", retained || deleted
                                           ? json_null()
                                           : json_integer(created + (int64_t)retention_days *
                                                                        86400));
  json_object_set_new(o, "deleted",
                      deleted ? json_pack("{s:o, s:o}", "at", nullable_int(st, 16), "by",
                                          nullable_text(st, 17))
                              : json_null());
  return o;
}

/* Appends an audit row in its own transaction (reads are audited too). */
static int audit_now(BookDb *db, int64_t now, const char *actor, const char *visit,
                     const char *action, json_t *detail /* reference taken */) {
  char *dt = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(detail);
  int bad = book_db_begin(db);
  if (!bad) bad = book_audit(db, now, actor, visit, action, dt);
  if (!bad) bad = book_db_commit(db);
  if (bad) book_db_rollback(db);
  free(dt);
  return bad ? -1 : 0;
}

static int rec_id_parse(const char *s, int64_t *out) {
  if (!s || !*s || strlen(s) > 18) return -1;
  for (const char *p = s; *p; p++)
    if (*p < '0' || *p > '9') return -1;
  *out = g_ascii_strtoll(s, NULL, 10);
  return *out > 0 ? 0 : -1;
}

static int need_reviewer(ApiCtx *c) {
  if (api_need_session(c)) return -1;
  return api_need_role(c, REVIEWER);
}

/* 1 when the visit is in the actor's scope, 0 when not (or unknown), -1 on
 * a storage error. */
static int visit_in_scope(ApiCtx *c, const char *visit_id) {
  BookStmt *st = book_db_stmt(c->app->db, "SELECT " SCOPE_OF("?1", "?2", "?3"));
  if (!st) return -1;
  book_bind_text(st, 1, visit_id);
  if (c->actor.establishment_id)
    book_bind_text(st, 2, c->actor.establishment_id);
  book_bind_text(st, 3, c->actor.role);
  int rc = book_step(st);
  int in = rc == BOOK_ROW ? book_col_int(st, 0) != 0 : -1;
  book_stmt_reset(st);
  return in;
}

/* An id outside the actor's scope: audited on its visit (the prober sees
 * only the 404 an unknown id gets). 0 or -1. */
static int audit_out_of_scope(ApiCtx *c, const char *visit_id, const char *op, int64_t id) {
  json_t *d = json_pack("{s:s, s:s}", "reason", "out_of_scope", "operation", op);
  if (id > 0) json_object_set_new(d, "recording", json_integer(id));
  if (c->actor.establishment_id)
    json_object_set_new(d, "establishment", json_string(c->actor.establishment_id));
  log_info("recording_access_refused", "user=%s operation=%s reason=out_of_scope",
           c->actor.username, op);
  return audit_now(c->app->db, c->now, c->actor.username, visit_id, "recording_access_refused", d);
}

/* ---- the file on disk ---- */

/* root/rel when rel is a clean relative path and the file it names is a
 * regular file reached through no symlink, inside root. g_free'd; NULL
 * otherwise (errno-like reason in *why). */
static char *rec_file_path(const char *root, const char *rel, const char **why) {
  *why = "bad_path";
  if (!rel || !*rel || rel[0] == '/') return NULL;
  gchar **seg = g_strsplit(rel, "/", -1);
  int ok = 1;
  for (gchar **s = seg; ok && *s; s++)
    if (!**s || **s == '.') ok = 0;
  g_strfreev(seg);
  if (!ok) return NULL;
  char *real_root = realpath(root, NULL);
  if (!real_root) {
    *why = "missing";
    return NULL;
  }
  char *full = g_build_filename(real_root, rel, NULL);
  char *real = realpath(full, NULL);
  struct stat sb;
  if (!real) {
    *why = "missing";
  } else if (strcmp(real, full) != 0) {
    *why = "symlink";
  } else if (lstat(full, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    *why = "not_a_file";
  } else {
    *why = NULL;
  }
  free(real_root);
  free(real);
  if (*why) {
    g_free(full);
    return NULL;
  }
  return full;
}

char *book_recording_path(const char *root, const char *rel, const char **why) {
  return rec_file_path(root, rel, why);
}

/* SHA-256 (lowercase hex) and size of the file at path, opened without
 * following a symlink. 0 or -1. */
static int file_sha256(const char *path, char hex[65], int64_t *size) {
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
  unsigned char buf[65536];
  ssize_t n;
  int64_t total = 0;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    g_checksum_update(ck, buf, (gssize)n);
    total += n;
  }
  close(fd);
  if (n < 0) {
    g_checksum_free(ck);
    return -1;
  }
  g_strlcpy(hex, g_checksum_get_string(ck), 65);
  g_checksum_free(ck);
  *size = total;
  return 0;
}

/* ---- list, view ---- */

void api_recordings_list(ApiCtx *c, const char *visit_id) {
  if (need_reviewer(c)) return;
  BookDb *db = c->app->db;
  if (visit_id) {
    if (!api_visit_id_ok(visit_id)) {
      api_error(c, 404, "not_found", "no such visit", NULL);
      return;
    }
    BookStmt *st = book_db_stmt(db, "SELECT 1 FROM visits WHERE id = ?");
    if (!st) {
      api_storage_error(c);
      return;
    }
    book_bind_text(st, 1, visit_id);
    int found = book_db_row(db, st);
    if (found == 1) book_stmt_reset(st);
    if (found < 0) {
      api_storage_error(c);
      return;
    }
    int in = found ? visit_in_scope(c, visit_id) : 0;
    if (in < 0) {
      api_storage_error(c);
      return;
    }
    if (found && !in && audit_out_of_scope(c, visit_id, "list", 0)) {
      api_storage_error(c);
      return;
    }
    if (!in) {
      api_error(c, 404, "not_found", "no such visit", NULL);
      return;
    }
  }
  const char *qv = http_request_query(c->req, "visit_id");
  const char *qp = http_request_query(c->req, "participant");
  const char *qd = http_request_query(c->req, "include_deleted");
  if (!visit_id && qv) {
    if (!api_visit_id_ok(qv)) {
      api_error(c, 400, "invalid_field", "visit_id must be a visit id", "visit_id");
      return;
    }
    visit_id = qv;
  }
  if (qp && (!*qp || strlen(qp) > 128)) {
    api_error(c, 400, "invalid_field", "participant must be 1 to 128 characters", "participant");
    return;
  }
  int with_deleted = 0;
  if (qd) {
    if (strcmp(qd, "true") && strcmp(qd, "false")) {
      api_error(c, 400, "invalid_field", "include_deleted must be true or false",
                "include_deleted");
      return;
    }
    with_deleted = !strcmp(qd, "true");
  }
  /* Only the actor's scope: a ?visit_id= outside it lists nothing, as an
   * unknown one does. */
  BookStmt *st = book_db_stmt(
      db, REC_SELECT " WHERE (?1 IS NULL OR visit_id = ?1) AND (?2 IS NULL OR participant = ?2) "
                     "AND (?3 = 1 OR deleted_at IS NULL) AND " SCOPE_OF("recordings.visit_id",
                                                                        "?4", "?5")
                     " ORDER BY created_at DESC, id DESC LIMIT 1000");
  if (!st) {
    api_storage_error(c);
    return;
  }
  if (visit_id)
    book_bind_text(st, 1, visit_id);
  if (qp) book_bind_text(st, 2, qp);
  book_bind_i64(st, 3, with_deleted);
  if (c->actor.establishment_id)
    book_bind_text(st, 4, c->actor.establishment_id);
  book_bind_text(st, 5, c->actor.role);
  json_t *arr = json_array();
  int row;
  while ((row = book_db_row(db, st)) == 1)
    json_array_append_new(arr, rec_row(st, c->app->cfg->retention_days));
  if (row < 0) {
    /* never a short list pretending to be the whole one */
    json_decref(arr);
    api_storage_error(c);
    return;
  }
  json_t *detail = json_pack("{s:I}", "count", (json_int_t)json_array_size(arr));
  if (qp) json_object_set_new(detail, "participant", json_string(qp));
  if (with_deleted) json_object_set_new(detail, "include_deleted", json_true());
  if (audit_now(db, c->now, c->actor.username, visit_id, "recordings_listed", detail)) {
    json_decref(arr);
    api_storage_error(c);
    return;
  }
  json_t *answer = json_pack("{s:o}", "recordings", arr);
  /* One visit's list also says whether its recording failed, when and why
   * (book_recording_failures.h): its files are then partial. */
  if (visit_id) {
    json_t *fails = NULL;
    if (book_recfail_list(db, visit_id, &fails)) {
      json_decref(answer);
      api_storage_error(c);
      return;
    }
    json_object_set_new(answer, "recording_state",
                        json_string(json_array_size(fails) ? "failed" : "ok"));
    json_object_set_new(answer, "failures", fails);
  }
  api_json(c, 200, answer);
}

/* The row of id (reviewer already checked) as JSON plus its visit and path;
 * replies 404 and returns NULL when there is none or it is outside the
 * actor's scope (that attempt audited as op), 500 on a storage error. */
static json_t *load_row(ApiCtx *c, const char *id_text, int64_t *id, const char *op) {
  if (rec_id_parse(id_text, id)) {
    api_error(c, 404, "not_found", "no such recording", NULL);
    return NULL;
  }
  BookStmt *st = book_db_stmt(c->app->db, REC_SELECT " WHERE id = ?");
  if (!st) {
    api_storage_error(c);
    return NULL;
  }
  book_bind_i64(st, 1, *id);
  int found = book_db_row(c->app->db, st);
  json_t *o = found == 1 ? rec_row(st, c->app->cfg->retention_days) : NULL;
  if (found == 1) book_stmt_reset(st);
  if (found < 0) {
    api_storage_error(c);
    return NULL;
  }
  if (!o) {
    api_error(c, 404, "not_found", "no such recording", NULL);
    return NULL;
  }
  char visit[BOOK_VISIT_ID_LEN + 8];
  g_strlcpy(visit, json_string_value(json_object_get(o, "visit_id")), sizeof visit);
  int in = visit_in_scope(c, visit);
  if (in == 1) return o;
  json_decref(o);
  if (in < 0 || audit_out_of_scope(c, visit, op, *id))
    api_storage_error(c);
  else
    api_error(c, 404, "not_found", "no such recording", NULL);
  return NULL;
}

void api_recording_get(ApiCtx *c, const char *id_text) {
  if (need_reviewer(c)) return;
  int64_t id;
  json_t *o = load_row(c, id_text, &id, "view");
  if (!o) return;
  if (audit_now(c->app->db, c->now, c->actor.username,
                json_string_value(json_object_get(o, "visit_id")), "recording_viewed",
                json_pack("{s:I}", "recording", (json_int_t)id))) {
    json_decref(o);
    api_storage_error(c);
    return;
  }
  api_json(c, 200, o);
}

/* ---- download ---- */

/* Parses a single "bytes=" range against size. 1: a range in *off and *len;
 * 0: no usable Range (serve it all); -1: unsatisfiable (416). */
static int parse_range(const char *h, int64_t size, int64_t *off, int64_t *len) {
  if (!h) return 0;
  while (*h == ' ') h++;
  if (strncmp(h, "bytes=", 6) != 0) return 0;
  h += 6;
  if (strchr(h, ',')) return 0; /* several ranges: answered with the whole file */
  char *end;
  if (*h == '-') {
    if (!g_ascii_isdigit(h[1])) return 0;
    errno = 0;
    long long n = strtoll(h + 1, &end, 10);
    if (errno || *end) return 0;
    if (n <= 0 || size == 0) return -1;
    if (n > size) n = size;
    *off = size - n;
    *len = n;
    return 1;
  }
  if (!g_ascii_isdigit(*h)) return 0;
  errno = 0;
  long long a = strtoll(h, &end, 10);
  if (errno || *end != '-') return 0;
  const char *bp = end + 1;
  long long b = size - 1;
  if (*bp) {
    if (!g_ascii_isdigit(*bp)) return 0;
    errno = 0;
    b = strtoll(bp, &end, 10);
    if (errno || *end) return 0;
    if (b < a) return 0; /* syntactically invalid: ignored (RFC 9110 14.1.1) */
  }
  if (a >= size) return -1;
  if (b >= size) b = size - 1;
  *off = a;
  *len = b - a + 1;
  return 1;
}

void api_recording_file(ApiCtx *c, const char *id_text) {
  if (need_reviewer(c)) return;
  int64_t id;
  json_t *o = load_row(c, id_text, &id, "download");
  if (!o) return;
  BookDb *db = c->app->db;
  char visit[BOOK_VISIT_ID_LEN + 8], path[1100], want_sha[65];
  g_strlcpy(visit, json_string_value(json_object_get(o, "visit_id")), sizeof visit);
  g_strlcpy(path, json_string_value(json_object_get(o, "path")), sizeof path);
  g_strlcpy(want_sha, json_string_value(json_object_get(o, "sha256")), sizeof want_sha);
  int64_t size = json_integer_value(json_object_get(o, "size"));
  const char *verified = json_string_value(json_object_get(o, "verified"));
  int was_verified = !strcmp(verified, "ok"), was_bad = !strcmp(verified, "mismatch");
  int deleted = !json_is_null(json_object_get(o, "deleted"));
  int partial = json_is_false(json_object_get(o, "complete"));
  json_decref(o);
  if (deleted) {
    audit_now(db, c->now, c->actor.username, visit, "recording_download_refused",
              json_pack("{s:I, s:s}", "recording", (json_int_t)id, "reason", "deleted"));
    api_error(c, 410, "recording_deleted", "the recording was deleted (retention)", NULL);
    return;
  }
  if (was_bad) {
    audit_now(db, c->now, c->actor.username, visit, "recording_download_refused",
              json_pack("{s:I, s:s}", "recording", (json_int_t)id, "reason", "hash_mismatch"));
    api_error(c, 409, "recording_corrupt",
              "the file does not match the SHA-256 recorded when it was written", NULL);
    return;
  }
  const char *why = NULL;
  char *full = rec_file_path(c->app->recording_root, path, &why);
  if (!full) {
    log_warn("recording_unavailable", "recording=%lld reason=%s", (long long)id, why);
    audit_now(db, c->now, c->actor.username, visit, "recording_download_refused",
              json_pack("{s:I, s:s}", "recording", (json_int_t)id, "reason", why));
    if (!strcmp(why, "missing"))
      api_error(c, 404, "file_missing", "the recording's file is not on disk", NULL);
    else
      api_error(c, 409, "recording_corrupt", "the recording's path is not a plain file inside "
                                             "the recordings directory", NULL);
    return;
  }
  if (!was_verified) {
    char got[65];
    int64_t got_size = -1;
    int match = file_sha256(full, got, &got_size) == 0 && got_size == size &&
                !strcmp(got, want_sha);
    BookStmt *st;
    int bad = book_db_begin(db);
    if (!bad) {
      st = book_db_stmt(db, "UPDATE recordings SET verified = ? WHERE id = ?");
      book_bind_i64(st, 1, match ? 1 : -1);
      book_bind_i64(st, 2, id);
      bad |= book_db_step_done(db, st);
      json_t *d = json_pack("{s:I, s:s, s:I}", "recording", (json_int_t)id, "expected", want_sha,
                            "size", (json_int_t)got_size);
      if (!match) json_object_set_new(d, "found", json_string(got_size >= 0 ? got : ""));
      char *dt = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
      json_decref(d);
      bad |= book_audit(db, c->now, c->actor.username, visit,
                        match ? "recording_verified" : "recording_hash_mismatch", dt);
      free(dt);
      if (!bad) bad = book_db_commit(db);
      if (bad) book_db_rollback(db);
    }
    if (bad) {
      g_free(full);
      api_storage_error(c);
      return;
    }
    if (!match) {
      log_error("recording_hash_mismatch", "recording=%lld path=%s", (long long)id, path);
      g_free(full);
      api_error(c, 409, "recording_corrupt",
                "the file does not match the SHA-256 recorded when it was written", NULL);
      return;
    }
  }
  struct stat sb;
  if (stat(full, &sb) != 0 || sb.st_size != size) {
    audit_now(db, c->now, c->actor.username, visit, "recording_download_refused",
              json_pack("{s:I, s:s}", "recording", (json_int_t)id, "reason", "size_changed"));
    g_free(full);
    api_error(c, 409, "recording_corrupt", "the file's size changed since it was written", NULL);
    return;
  }
  int64_t off = 0, len = size;
  int r = parse_range(http_request_header(c->req, "range"), size, &off, &len);
  char cr[96];
  if (r < 0) {
    g_snprintf(cr, sizeof cr, "bytes */%" G_GINT64_FORMAT, size);
    http_response_add_header(c->resp, "content-range", cr);
    http_response_add_header(c->resp, "accept-ranges", "bytes");
    audit_now(db, c->now, c->actor.username, visit, "recording_download_refused",
              json_pack("{s:I, s:s}", "recording", (json_int_t)id, "reason", "bad_range"));
    g_free(full);
    api_error(c, 416, "range_not_satisfiable", "the range is outside the file", NULL);
    return;
  }
  json_t *d = json_pack("{s:I, s:I, s:I}", "recording", (json_int_t)id, "offset", (json_int_t)off,
                        "length", (json_int_t)len);
  if (partial) json_object_set_new(d, "partial", json_true());
  if (audit_now(db, c->now, c->actor.username, visit, "recording_downloaded", d) ||
      http_response_set_file(c->resp, full, (uint64_t)off, (uint64_t)len)) {
    g_free(full);
    api_error(c, 500, "internal_error", "the file could not be opened", NULL);
    return;
  }
  g_free(full);
  http_response_set_status(c->resp, r ? 206 : 200);
  http_response_set_content_type(c->resp, "video/webm");
  http_response_add_header(c->resp, "accept-ranges", "bytes");
  /* A recording is evidence: never stored by a browser or proxy cache. */
  http_response_add_header(c->resp, "content-disposition", "inline");
  /* The player is told, as the list says, when the file is only part of
   * what should have been recorded (docs/booking.md "Recordings"). */
  http_response_add_header(c->resp, "parlour-recording-state", partial ? "partial" : "complete");
  if (r) {
    g_snprintf(cr, sizeof cr, "bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
               off, off + len - 1, size);
    http_response_add_header(c->resp, "content-range", cr);
  }
  log_info("recording_downloaded", "recording=%lld user=%s offset=%" G_GINT64_FORMAT
           " length=%" G_GINT64_FORMAT, (long long)id, c->actor.username, off, len);
}

/* ---- keep ---- */

void api_recording_retain(ApiCtx *c, const char *id_text) {
  if (need_reviewer(c)) return;
  static const char *const fields[] = {"reason", NULL};
  json_t *b = api_body(c, fields, 0);
  if (!b) return;
  const char *reason = NULL;
  if (api_str(c, b, "reason", 1, 500, &reason)) goto out;
  int64_t id;
  json_t *o = load_row(c, id_text, &id, "retain");
  if (!o) goto out;
  int deleted = !json_is_null(json_object_get(o, "deleted"));
  char visit[BOOK_VISIT_ID_LEN + 8];
  g_strlcpy(visit, json_string_value(json_object_get(o, "visit_id")), sizeof visit);
  json_decref(o);
  if (deleted) {
    api_error(c, 410, "recording_deleted", "the recording was already deleted", NULL);
    goto out;
  }
  BookDb *db = c->app->db;
  int bad = book_db_begin(db);
  if (!bad) {
    BookStmt *st = book_db_stmt(db, "UPDATE recordings SET retain_reason = ?, retain_by = ?, "
                                        "retain_at = ? WHERE id = ? AND deleted_at IS NULL");
    book_bind_text(st, 1, reason);
    book_bind_text(st, 2, c->actor.username);
    book_bind_i64(st, 3, c->now);
    book_bind_i64(st, 4, id);
    bad |= book_db_step_done(db, st);
    json_t *d = json_pack("{s:I, s:s}", "recording", (json_int_t)id, "reason", reason);
    char *dt = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(d);
    bad |= book_audit(db, c->now, c->actor.username, visit, "recording_retained", dt);
    free(dt);
    if (!bad) bad = book_db_commit(db);
    if (bad) book_db_rollback(db);
  }
  if (bad) {
    api_storage_error(c);
    goto out;
  }
  o = load_row(c, id_text, &id, "retain");
  if (o) api_json(c, 200, o);
out:
  json_decref(b);
}

/* ---- retention ---- */

/* Removes root/rel's session directory when only manifest.json is left in
 * it, then the room directory when empty. Best effort. */
static void prune_dirs(const char *root, const char *rel) {
  char *dir = g_path_get_dirname(rel);
  if (strcmp(dir, ".") != 0) {
    char *full = g_build_filename(root, dir, NULL);
    GDir *d = g_dir_open(full, 0, NULL);
    int others = 0, manifest = 0;
    const char *n;
    while (d && (n = g_dir_read_name(d)))
      if (!strcmp(n, "manifest.json"))
        manifest++;
      else
        others++;
    if (d) g_dir_close(d);
    if (d && !others) {
      if (manifest) {
        char *m = g_build_filename(full, "manifest.json", NULL);
        unlink(m);
        g_free(m);
      }
      if (rmdir(full) == 0) {
        char *parent = g_path_get_dirname(full);
        rmdir(parent); /* fails (and is left) unless empty */
        g_free(parent);
      }
    }
    g_free(full);
  }
  g_free(dir);
}

int book_recordings_purge(BookApp *app, int64_t now, const char *actor, int *kept_out) {
  BookDb *db = app->db;
  int64_t cutoff = now - (int64_t)app->cfg->retention_days * 86400;
  int deleted = 0, kept = 0;
  /* Gather first: the statement is not kept open across the writes. */
  GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
  GPtrArray *rows = g_ptr_array_new_with_free_func(g_free);
  BookStmt *st = book_db_stmt(db, "SELECT id, visit_id, path, created_at, retain_reason IS "
                                      "NOT NULL, purge_skipped_at IS NOT NULL, sha256 FROM recordings "
                                      "WHERE deleted_at IS NULL AND created_at <= ? ORDER BY id");
  book_bind_i64(st, 1, cutoff);
  while (book_step(st) == BOOK_ROW) {
    int64_t id = book_col_i64(st, 0);
    g_array_append_val(ids, id);
    g_ptr_array_add(rows, g_strdup_printf("%s\n%s\n%lld\n%d%d\n%s", col_text(st, 1),
                                          col_text(st, 2), (long long)book_col_i64(st, 3),
                                          book_col_int(st, 4), book_col_int(st, 5),
                                          col_text(st, 6)));
  }
  book_stmt_reset(st);
  int failed = 0;
  for (guint i = 0; i < ids->len; i++) {
    int64_t id = g_array_index(ids, int64_t, i);
    gchar **f = g_strsplit(rows->pdata[i], "\n", 5);
    const char *visit = f[0], *rel = f[1];
    long long created = g_ascii_strtoll(f[2], NULL, 10);
    int retained = f[3][0] == '1', skipped_before = f[3][1] == '1';
    if (retained) {
      kept++;
      if (!skipped_before) { /* audited once, not every hour */
        if (book_db_begin(db) == 0) {
          st = book_db_stmt(db, "UPDATE recordings SET purge_skipped_at = ? WHERE id = ?");
          book_bind_i64(st, 1, now);
          book_bind_i64(st, 2, id);
          int bad = book_db_step_done(db, st);
          char dt[160];
          g_snprintf(dt, sizeof dt, "{\"recording\":%lld,\"retention_days\":%d}", (long long)id,
                     app->cfg->retention_days);
          bad |= book_audit(db, now, actor, visit, "recording_retention_skipped", dt);
          if (bad || book_db_commit(db)) book_db_rollback(db), failed = 1;
        }
      }
      g_strfreev(f);
      continue;
    }
    const char *why = NULL;
    char *full = rec_file_path(app->recording_root, rel, &why);
    int gone = 0;
    if (full) {
      gone = unlink(full) == 0;
      if (!gone) why = g_strerror(errno);
    } else if (!strcmp(why, "missing")) {
      gone = 1; /* already not on disk: the row is closed all the same */
    }
    g_free(full);
    if (!gone) {
      /* A symlink or odd entry is left alone and reported, never followed. */
      log_error("recording_purge_failed", "recording=%lld reason=%s", (long long)id, why);
      failed = 1;
      g_strfreev(f);
      continue;
    }
    prune_dirs(app->recording_root, rel);
    if (book_db_begin(db) == 0) {
      st = book_db_stmt(db, "UPDATE recordings SET deleted_at = ?, deleted_by = ? WHERE id = ?");
      book_bind_i64(st, 1, now);
      book_bind_text(st, 2, actor);
      book_bind_i64(st, 3, id);
      int bad = book_db_step_done(db, st);
      /* The tombstone in the audit chain: what was deleted, its hash, why. */
      json_t *d = json_pack("{s:I, s:s, s:I, s:i, s:b, s:s, s:s}", "recording", (json_int_t)id,
                            "path", rel, "created_at", (json_int_t)created, "retention_days",
                            app->cfg->retention_days, "file_was_missing", why != NULL,
                            "sha256", f[4] ? f[4] : "", "reason", "retention_period_over");
      char *dt = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
      json_decref(d);
      bad |= book_audit(db, now, actor, visit, "recording_deleted", dt);
      free(dt);
      if (bad || book_db_commit(db)) book_db_rollback(db), failed = 1;
      else deleted++;
    } else {
      failed = 1;
    }
    log_info("recording_deleted", "recording=%lld visit=%s by=%s", (long long)id, visit, actor);
    g_strfreev(f);
  }
  g_array_free(ids, TRUE);
  g_ptr_array_free(rows, TRUE);
  if (kept_out) *kept_out = kept;
  if (deleted || kept) log_info("recordings_purged", "deleted=%d kept=%d", deleted, kept);
  return failed ? -1 : deleted;
}

void api_recordings_purge(ApiCtx *c) {
  if (api_need_session(c)) return;
  static const char *const roles[] = {"reviewer", "admin", NULL};
  if (api_need_role(c, roles)) return;
  static const char *const none[] = {NULL};
  json_t *b = api_body(c, none, 1);
  if (!b) return;
  json_decref(b);
  int kept = 0;
  int n = book_recordings_purge(c->app, c->now, c->actor.username, &kept);
  if (n < 0) {
    api_error(c, 500, "purge_incomplete", "some recordings could not be deleted (see the log)",
              NULL);
    return;
  }
  api_json(c, 200, json_pack("{s:i, s:i, s:i}", "deleted", n, "kept", kept, "retention_days",
                             c->app->cfg->retention_days));
}
