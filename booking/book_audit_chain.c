/* The audit chain's pure half: serialisation, hash, verifier (see
 * book_audit_chain.h; docs/booking.md "Audit chain"). */
#include "book_audit_chain.h"

#include <glib.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

const char audit_genesis_hash[AUDIT_HASH_HEX] =
    "0000000000000000000000000000000000000000000000000000000000000000";

static void put_text(GString *s, const char *v) {
  if (!v) {
    g_string_append(s, "-\n");
    return;
  }
  g_string_append_printf(s, "%zu:", strlen(v));
  g_string_append(s, v);
  g_string_append_c(s, '\n');
}

static void put_int(GString *s, int64_t v) {
  char n[24];
  g_snprintf(n, sizeof n, "%" G_GINT64_FORMAT, v);
  put_text(s, n);
}

char *audit_row_canonical(const AuditRow *r, size_t *len) {
  GString *s = g_string_new("parlour-audit-v1\n");
  put_text(s, r->chain_id);
  put_int(s, r->seq);
  put_int(s, r->at);
  put_text(s, r->actor);
  put_text(s, r->visit_id);
  put_text(s, r->action);
  put_text(s, r->detail);
  put_text(s, r->prev_hash);
  *len = s->len;
  return g_string_free(s, FALSE);
}

int audit_row_hash(const AuditRow *r, char out[AUDIT_HASH_HEX]) {
  size_t len;
  char *bytes = audit_row_canonical(r, &len);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  int ok = EVP_Digest(bytes, len, md, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == 32;
  g_free(bytes);
  if (!ok) return -1;
  for (unsigned int i = 0; i < mdlen; i++) g_snprintf(out + 2 * i, 3, "%02x", md[i]);
  return 0;
}

const char *audit_fault_name(AuditFault f) {
  switch (f) {
    case AUDIT_INTACT:
      return "intact";
    case AUDIT_UNSEALED:
      return "unsealed";
    case AUDIT_EDITED:
      return "edited";
    case AUDIT_REORDERED:
      return "reordered";
    case AUDIT_DELETED:
      return "deleted";
    case AUDIT_BROKEN_LINK:
      return "broken_link";
    case AUDIT_WRONG_CHAIN:
      return "wrong_chain";
    case AUDIT_TAIL_DELETED:
      return "tail_deleted";
    case AUDIT_HEAD_MISMATCH:
      return "head_mismatch";
    case AUDIT_HEAD_MISSING:
      return "head_missing";
    case AUDIT_RECORDING_CHANGED:
      return "recording_changed";
    case AUDIT_RECORDING_MISSING:
      return "recording_missing";
    case AUDIT_RECORDING_ROW_CHANGED:
      return "recording_row_changed";
    case AUDIT_RECORDING_ROW_MISSING:
      return "recording_row_missing";
    case AUDIT_RECORDING_UNCHAINED:
      return "recording_unchained";
    case AUDIT_ANCHOR_MISMATCH:
      return "anchor_mismatch";
  }
  return "unknown";
}

static int fail(AuditVerdict *v, AuditFault f, const AuditRow *r, int64_t expected, const char *fmt,
                ...) G_GNUC_PRINTF(5, 6);
static int fail(AuditVerdict *v, AuditFault f, const AuditRow *r, int64_t expected, const char *fmt,
                ...) {
  v->fault = f;
  v->row_id = r ? r->id : 0;
  v->seq = r ? r->seq : 0;
  v->expected_seq = expected;
  va_list ap;
  va_start(ap, fmt);
  g_vsnprintf(v->message, sizeof v->message, fmt, ap);
  va_end(ap);
  return 1;
}

static int str_eq(const char *a, const char *b) { return a && b && !strcmp(a, b); }

int audit_chain_verify(const char *chain_id, const AuditRow *rows, size_t n, const AuditHead *head,
                       AuditVerdict *v) {
  memset(v, 0, sizeof *v);
  const char *prev = audit_genesis_hash;
  int64_t expected = 1;
  for (size_t i = 0; i < n; i++) {
    const AuditRow *r = &rows[i];
    if (!r->hash || !r->prev_hash || !r->chain_id || r->seq <= 0)
      return fail(v, AUDIT_UNSEALED, r, expected,
                  "audit row %" G_GINT64_FORMAT
                  " has no place in the chain (written outside book_audit?)",
                  r->id);
    if (!str_eq(r->chain_id, chain_id))
      return fail(v, AUDIT_WRONG_CHAIN, r, expected,
                  "audit row %" G_GINT64_FORMAT " names chain %s, not %s", r->id, r->chain_id,
                  chain_id);
    char h[AUDIT_HASH_HEX];
    if (audit_row_hash(r, h)) return fail(v, AUDIT_EDITED, r, expected, "could not hash");
    if (strcmp(h, r->hash))
      return fail(v, AUDIT_EDITED, r, expected,
                  "audit row %" G_GINT64_FORMAT " (seq %" G_GINT64_FORMAT
                  ") was edited: its fields do not give its hash",
                  r->id, r->seq);
    if (r->seq != expected) {
      int later = 0;
      for (size_t j = i + 1; j < n && !later; j++) later = rows[j].seq == expected;
      if (later || r->seq < expected)
        return fail(v, AUDIT_REORDERED, r, expected,
                    "audit row %" G_GINT64_FORMAT " (seq %" G_GINT64_FORMAT
                    ") is out of order: seq %" G_GINT64_FORMAT " was expected here",
                    r->id, r->seq, expected);
      return fail(v, AUDIT_DELETED, r, expected,
                  "rows with seq %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
                  " are missing before audit row %" G_GINT64_FORMAT,
                  expected, r->seq - 1, r->id);
    }
    if (strcmp(r->prev_hash, prev))
      return fail(v, AUDIT_BROKEN_LINK, r, expected,
                  "audit row %" G_GINT64_FORMAT " (seq %" G_GINT64_FORMAT
                  ") does not link to the row before it",
                  r->id, r->seq);
    prev = r->hash;
    expected++;
  }
  int64_t last = expected - 1;
  int has_head = head && head->seq > 0 && head->hash;
  if (!has_head) {
    if (n)
      return fail(v, AUDIT_HEAD_MISSING, &rows[n - 1], last, "chain %s has rows but no head",
                  chain_id);
    return 0;
  }
  if (head->seq > last) {
    fail(v, AUDIT_TAIL_DELETED, NULL, last + 1,
         "the newest rows of chain %s (seq %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
         ") are missing",
         chain_id, last + 1, head->seq);
    v->seq = head->seq;
    return 1;
  }
  if (head->seq < last || strcmp(head->hash, prev))
    return fail(v, AUDIT_HEAD_MISMATCH, &rows[n - 1], head->seq,
                "the head of chain %s (seq %" G_GINT64_FORMAT ") is not its last row", chain_id,
                head->seq);
  return 0;
}

int audit_chain_check_anchor(const AuditRow *rows, size_t n, const AuditAnchor *a,
                             AuditVerdict *v) {
  memset(v, 0, sizeof *v);
  for (size_t i = 0; i < n; i++)
    if (rows[i].seq == a->seq) {
      if (str_eq(rows[i].hash, a->hash)) return 0;
      return fail(v, AUDIT_ANCHOR_MISMATCH, &rows[i], a->seq,
                  "audit row %" G_GINT64_FORMAT " (seq %" G_GINT64_FORMAT
                  ") is not the row kept as chain %s's head: the "
                  "chain was rewritten from there or before",
                  rows[i].id, a->seq, a->chain_id);
    }
  fail(v, AUDIT_ANCHOR_MISMATCH, NULL, a->seq,
       "chain %s no longer reaches seq %" G_GINT64_FORMAT
       ", kept as its head: it was rewritten shorter",
       a->chain_id, a->seq);
  v->seq = a->seq;
  return 1;
}

/* ---- recordings ---- */

typedef struct {
  const AuditRow *row;
  int64_t recording;
  const char *sha256;
  int64_t size;
} Claim;

static int64_t detail_int(json_t *d, const char *k) {
  json_t *x = json_object_get(d, k);
  return json_is_integer(x) ? (int64_t)json_integer_value(x) : 0;
}

int audit_recordings_verify(const AuditRow *rows, size_t n, const AuditRecording *recs,
                            size_t nrecs, AuditVerdict *v) {
  memset(v, 0, sizeof *v);
  GArray *claims = g_array_new(FALSE, TRUE, sizeof(Claim));
  GHashTable *tomb = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
  GPtrArray *details = g_ptr_array_new_with_free_func((GDestroyNotify)json_decref);
  for (size_t i = 0; i < n; i++) {
    const AuditRow *r = &rows[i];
    int stored = str_eq(r->action, "recording_stored");
    if (!stored && !str_eq(r->action, "recording_deleted")) continue;
    json_t *d = json_loads(r->detail ? r->detail : "{}", 0, NULL);
    if (!d) continue;
    g_ptr_array_add(details, d);
    int64_t rec = detail_int(d, "recording");
    if (rec <= 0) continue;
    if (stored) {
      Claim c = {r, rec, json_string_value(json_object_get(d, "sha256")), detail_int(d, "size")};
      g_array_append_val(claims, c);
    } else {
      int64_t *k = g_new(int64_t, 1);
      *k = rec;
      g_hash_table_add(tomb, k);
    }
  }
  GHashTable *claimed = g_hash_table_new(g_int64_hash, g_int64_equal);
  int bad = 0;
  for (guint i = 0; i < claims->len && !bad; i++) {
    Claim *c = &g_array_index(claims, Claim, i);
    if (g_hash_table_contains(claimed, &c->recording)) continue; /* the first claim counts */
    g_hash_table_add(claimed, &c->recording);
    const AuditRecording *rec = NULL;
    for (size_t j = 0; j < nrecs && !rec; j++)
      if (recs[j].id == c->recording) rec = &recs[j];
    if (!rec) {
      bad = fail(v, AUDIT_RECORDING_ROW_MISSING, c->row, c->row->seq,
                 "recording %" G_GINT64_FORMAT " stored at audit row %" G_GINT64_FORMAT
                 " is no longer in the recordings table",
                 c->recording, c->row->id);
    } else if (!str_eq(rec->sha256, c->sha256) || rec->size != c->size) {
      bad =
          fail(v, AUDIT_RECORDING_ROW_CHANGED, c->row, c->row->seq,
               "recording %" G_GINT64_FORMAT
               "'s SHA-256 or size in the recordings table is not what audit row %" G_GINT64_FORMAT
               " stored",
               c->recording, c->row->id);
    } else if (g_hash_table_contains(tomb, &c->recording) || rec->file == AUDIT_FILE_NOT_CHECKED) {
      /* deleted by retention (the tombstone says so), or not looked at */
    } else if (rec->file == AUDIT_FILE_MISSING) {
      bad = fail(v, AUDIT_RECORDING_MISSING, c->row, c->row->seq,
                 "recording %" G_GINT64_FORMAT
                 "'s file is gone and no tombstone says why (stored at audit row %" G_GINT64_FORMAT
                 ")",
                 c->recording, c->row->id);
    } else if (!str_eq(rec->file_sha256, c->sha256) || rec->file_size != c->size) {
      bad = fail(v, AUDIT_RECORDING_CHANGED, c->row, c->row->seq,
                 "recording %" G_GINT64_FORMAT
                 "'s bytes changed: the file's SHA-256 is not the one audit row %" G_GINT64_FORMAT
                 " stored",
                 c->recording, c->row->id);
    }
    if (bad) v->recording_id = c->recording;
  }
  for (size_t j = 0; j < nrecs && !bad; j++)
    if (!g_hash_table_contains(claimed, &recs[j].id)) {
      bad = fail(v, AUDIT_RECORDING_UNCHAINED, NULL, 0,
                 "recording %" G_GINT64_FORMAT
                 " is in the recordings table but the chain never stored it",
                 recs[j].id);
      v->recording_id = recs[j].id;
    }
  g_hash_table_destroy(claimed);
  g_hash_table_destroy(tomb);
  g_ptr_array_free(details, TRUE);
  g_array_free(claims, TRUE);
  return bad;
}
