/* The audit chain's pure half (issue 18 part 3, docs/booking.md "Audit
 * chain"): the canonical serialisation of an audit row, its SHA-256, and the
 * verifier (rows and recording facts in, a verdict out). No database, no
 * files: book_audit_store.c reads them and calls these.
 *
 * Each audit row belongs to one chain: its visit's establishment, or the
 * global chain "*" (rows with no visit, or a visit with no establishment).
 * Within a chain rows are numbered seq = 1, 2, 3 ... in the order they were
 * appended, and each row's hash covers its fields and the previous row's
 * hash (prev_hash; 64 zeros for seq 1), so editing, deleting or reordering
 * a row breaks the chain at that row. The head (audit_chain_heads) holds the
 * last seq and hash, so deleting the newest rows is seen too.
 *
 * Canonical serialisation (version 1), the bytes hashed:
 *   "parlour-audit-v1\n", then for each field in this order
 *     chain_id, seq, at, actor, visit_id, action, detail, prev_hash
 *   either "-\n" (SQL NULL) or "<length in bytes, decimal>:<the bytes>\n".
 * seq and at are their decimal text; text fields are their stored bytes.
 * hash = lowercase hex SHA-256 (OpenSSL) of those bytes. The length prefix
 * makes the encoding unambiguous whatever the fields contain. */
#ifndef PARLOUR_BOOK_AUDIT_CHAIN_H
#define PARLOUR_BOOK_AUDIT_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#define AUDIT_GLOBAL_CHAIN "*"
#define AUDIT_HASH_HEX 65 /* 64 hex digits and the NUL */
extern const char audit_genesis_hash[AUDIT_HASH_HEX];

typedef struct {
  int64_t id;           /* audit_log.id (names the row in a verdict) */
  const char *chain_id; /* NULL: not sealed */
  int64_t seq;          /* 0: not sealed */
  int64_t at;
  const char *actor;
  const char *visit_id; /* may be NULL */
  const char *action;
  const char *detail;
  const char *prev_hash; /* NULL: not sealed */
  const char *hash;      /* NULL: not sealed */
} AuditRow;

/* The hash of row (its chain_id, seq and prev_hash as given) into out
 * (65 bytes, lowercase hex). 0, or -1 when OpenSSL failed. */
int audit_row_hash(const AuditRow *row, char out[AUDIT_HASH_HEX]);

/* The canonical bytes of row (g_free'd), for the docs' worked example and
 * tests; *len set. */
char *audit_row_canonical(const AuditRow *row, size_t *len);

typedef enum {
  AUDIT_INTACT = 0,
  AUDIT_UNSEALED,              /* a row with no hash after start-up sealed them all */
  AUDIT_EDITED,                /* the row's fields do not give its hash */
  AUDIT_REORDERED,             /* rows are not in the order they were chained */
  AUDIT_DELETED,               /* rows are missing before this one (a gap in seq) */
  AUDIT_BROKEN_LINK,           /* prev_hash is not the previous row's hash */
  AUDIT_WRONG_CHAIN,           /* a row listed in one chain names another */
  AUDIT_TAIL_DELETED,          /* the head says more rows were appended than remain */
  AUDIT_HEAD_MISMATCH,         /* the head's hash is not the last row's */
  AUDIT_HEAD_MISSING,          /* rows but no head */
  AUDIT_RECORDING_CHANGED,     /* the file's bytes are not the chained SHA-256 */
  AUDIT_RECORDING_MISSING,     /* the file is gone and no tombstone says why */
  AUDIT_RECORDING_ROW_CHANGED, /* recordings.sha256/size differ from the chain */
  AUDIT_RECORDING_ROW_MISSING, /* the chain stored a recording the table lacks */
  AUDIT_RECORDING_UNCHAINED,   /* a recording the chain never stored */
  AUDIT_ANCHOR_MISMATCH,       /* a head kept elsewhere is not in the chain any more */
} AuditFault;

/* The stable word for a fault ("intact", "edited", "deleted", ...): the
 * API's and the command's "reason". */
const char *audit_fault_name(AuditFault f);

typedef struct {
  AuditFault fault;
  int64_t row_id;       /* the first row that does not fit (0: none, e.g. tail) */
  int64_t seq;          /* its seq (or the head's, for tail faults) */
  int64_t expected_seq; /* where the chain expected to be */
  int64_t recording_id; /* recording faults */
  char message[240];    /* one English sentence for people */
} AuditVerdict;

typedef struct {
  int64_t seq; /* 0 with hash NULL: no head */
  const char *hash;
} AuditHead;

/* Verifies one chain: rows are every audit_log row whose chain_id is
 * chain_id (or that is not sealed), in id order; head is the chain's head
 * (NULL or seq 0: none). Checks, for each row in turn: sealed, its hash
 * recomputes (else edited), its seq is the next one (else reordered when
 * the expected seq appears later, deleted when it does not), its prev_hash
 * is the previous row's hash (else broken_link); then the head against the
 * last row. Fills *v with the first fault (or AUDIT_INTACT) and returns
 * v->fault != AUDIT_INTACT. */
int audit_chain_verify(const char *chain_id, const AuditRow *rows, size_t n, const AuditHead *head,
                       AuditVerdict *v);

/* A head kept outside the database (an earlier verification's output):
 * the chain must still hold a row with that seq and that hash. An intact
 * chain that fails this was rewritten wholesale (every hash recomputed),
 * which the chain alone cannot show. Fills *v (AUDIT_ANCHOR_MISMATCH naming
 * the row now at seq, or none when the chain is shorter); returns 1 then,
 * else 0. */
typedef struct {
  const char *chain_id;
  int64_t seq;
  const char *hash;
} AuditAnchor;
int audit_chain_check_anchor(const AuditRow *rows, size_t n, const AuditAnchor *a, AuditVerdict *v);

/* What is known of one recording (recordings table and the disk). */
enum { AUDIT_FILE_NOT_CHECKED = 0, AUDIT_FILE_PRESENT = 1, AUDIT_FILE_MISSING = 2 };
typedef struct {
  int64_t id;
  const char *sha256;      /* recordings.sha256 */
  int64_t size;            /* recordings.size */
  int file;                /* AUDIT_FILE_* */
  const char *file_sha256; /* when present */
  int64_t file_size;
} AuditRecording;

/* Checks an intact chain's recordings: every recording_stored row (detail
 * {recording, sha256, size}) against the table's row and, unless a
 * recording_deleted tombstone (detail {recording}) follows it, against the
 * file's bytes; then every recording the chain never stored. recs are the
 * recordings of this chain's visits. Same verdict shape; returns 1 on a
 * fault. */
int audit_recordings_verify(const AuditRow *rows, size_t n, const AuditRecording *recs,
                            size_t nrecs, AuditVerdict *v);

#endif
