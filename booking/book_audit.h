/* The audit chain's database half (issue 18 part 3, docs/booking.md "Audit
 * chain"): appending a sealed row (book_audit in book_db.h calls it), the
 * one-off sealing of rows written before the chain existed, and reading a
 * chain (and its recordings' files) for the pure verifier in
 * book_audit_chain.h. */
#ifndef PARLOUR_BOOK_AUDIT_H
#define PARLOUR_BOOK_AUDIT_H

#include <jansson.h>

#include "book_audit_chain.h"
#include "book_db.h"

/* Appends one row to its chain: the visit's establishment's, else the
 * global one. Inside the caller's transaction (or its own when none is
 * open), so the row and the change it audits commit or vanish together.
 * The chain's head row is read (PostgreSQL: FOR UPDATE) and moved in the
 * same transaction, which serialises appends per chain on both engines
 * (sqlite: the write transaction is already exclusive). 0 or -1. */
int book_audit_append(BookDb *db, int64_t at, const char *actor, const char *visit_id,
                      const char *action, const char *detail_json) BOOK_MUST_CHECK;

/* Run by book_db_open after migrating: seals every audit row that has no
 * hash (rows written before migration 0012), in id order, and once (while
 * audit_seal_pending has its row) appends a recording_stored row for every
 * recording already in the table. One transaction; a no-op when there is
 * nothing to seal. 0 or -1. */
int book_audit_seal(BookDb *db, int64_t now) BOOK_MUST_CHECK;

/* Seals, inside the caller's open transaction, the rows that statement
 * inserted in bulk (INSERT INTO audit_log ... SELECT: the visits sweep
 * audits many rows in one statement). Call it before the commit, so no
 * unsealed row is ever visible to the verifier. 0 or -1 (roll back). */
int book_audit_seal_in_tx(BookDb *db) BOOK_MUST_CHECK;

/* Verifies one chain (chain_id: an establishment id or "*"), or every
 * chain when chain_id is NULL. recording_root: the recordings directory
 * whose files are hashed against the chain (NULL: files not checked).
 * *out: {"intact": bool, "chains": [{"chain", "rows", "head", "intact",
 * "reason", "row_id", "seq", "expected_seq", "recording_id", "message"}],
 * "recordings_checked", "files_hashed"}. Returns 0 intact, 1 a fault was
 * found, -1 the database failed (*out NULL). */
int book_audit_verify(BookDb *db, const char *recording_root, const char *chain_id,
                      json_t **out) BOOK_MUST_CHECK;
/* The same, also checking each anchor (a head kept from an earlier run) of
 * the chains verified: an intact chain that no longer passes through its
 * anchor is reported anchor_mismatch. */
int book_audit_verify_anchored(BookDb *db, const char *recording_root, const char *chain_id,
                               const AuditAnchor *anchors, size_t n_anchors,
                               json_t **out) BOOK_MUST_CHECK;

/* A recording's file under root (book_api_recordings.c's own check: a clean
 * relative path to a regular file reached through no symlink). g_free'd;
 * NULL with *why "missing" or another reason. */
char *book_recording_path(const char *root, const char *rel, const char **why);

#endif
