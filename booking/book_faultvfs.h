/* Storage fault injection for tests: a sqlite VFS that wraps the default
 * (unix) VFS and makes reads, writes or syncs fail on command, so the tests
 * can prove that the REAL rules and API handlers refuse (503
 * storage_unavailable) and leave the database as it was when the disk
 * misbehaves. Nothing is mocked: every other call goes to the real VFS.
 *
 * Never active in production. It is installed only by
 *   - a unit test calling book_faultvfs_install(), or
 *   - the daemon started with PARLOUR_TEST_FAULT_FILE=<path> in its
 *     environment (docs/testing.md). The file must exist at start (else the
 *     daemon refuses to start); the daemon logs test_fault_injection_enabled
 *     loudly. Each read/write/sync of the database then checks the file:
 *     "write 0" fails every write from the next one on, "sync 2" lets two
 *     syncs through and fails the rest, "read 5" the same for reads; an empty
 *     file turns faults off. Replace the file (write + rename) to change it.
 *
 * Only the main database, its WAL and its journal are counted and failed.
 *
 * On PostgreSQL the same switch and control file drive connection faults
 * instead (book_fault_take): a SELECT counts as a read, INSERT/UPDATE/DELETE
 * as a write, COMMIT as a sync. */
#ifndef PARLOUR_BOOK_FAULTVFS_H
#define PARLOUR_BOOK_FAULTVFS_H

#include <stddef.h>

/* READ / WRITE / SYNC: the VFS calls on the database files. Pages stay in
 * sqlite's cache, so two queries over the same pages meet one read: QUERY
 * fails statements instead (the Nth statement started from now on and all
 * after it are interrupted by sqlite itself, SQLITE_INTERRUPT, through a
 * progress handler), which reaches every query of a rule one by one.
 * QUERY needs book_fault_attach(db) first; ROLLBACK is never failed. */
typedef enum {
  BOOK_FAULT_READ,
  BOOK_FAULT_WRITE,
  BOOK_FAULT_SYNC,
  BOOK_FAULT_QUERY,
  BOOK_FAULT_N
} BookFaultOp;

/* Registers the fault VFS as sqlite's default (connections opened after
 * this go through it). Idempotent. 0, or -1 when there is no default VFS. */
int book_faultvfs_install(void);

/* Statement faults (BOOK_FAULT_QUERY) on this connection (a trace and a
 * progress handler; inactive until armed). Tests only. */
struct sqlite3;
void book_fault_attach(struct sqlite3 *db);

/* From now on let `after` more operations of kind op through, then fail
 * every further one (SQLITE_IOERR_READ / _WRITE / _FSYNC) until cleared.
 * Counters of the other kinds are left alone. */
void book_faultvfs_arm(BookFaultOp op, int after);
/* No faults. */
void book_faultvfs_clear(void);
/* How many operations of kind op were failed since it was last armed. */
int book_faultvfs_failed(BookFaultOp op);

/* PostgreSQL (no VFS there): 1 when the next operation of kind op is to
 * fail (counted as above); the engine then loses its connection on purpose
 * (pg_terminate_backend of its own backend) just before the statement, so
 * the statement meets a real connection failure and its transaction is
 * gone. Tests only. */
int book_fault_take(BookFaultOp op);

/* The daemon's switch: when PARLOUR_TEST_FAULT_FILE is set, installs the
 * VFS driven by that file and returns 1; 0 when unset; -1 with a reason in
 * err when set but unusable (the daemon then refuses to start). */
int book_faultvfs_from_env(char *err, size_t errsize);

#endif
