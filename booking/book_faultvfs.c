/* The fault-injecting VFS (see book_faultvfs.h). A classic sqlite shim: the
 * file object is ours followed by the real VFS's, every method passes
 * through, and xRead / xWrite / xSync first ask should_fail(). */
#include "book_faultvfs.h"

#include <glib.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"

#define VFS_NAME "parlour-fault"

typedef struct {
  sqlite3_file base;
  sqlite3_file *real; /* right after this struct, in the same allocation */
  int counted;        /* main db, WAL or journal */
} FaultFile;

static struct {
  int armed[BOOK_FAULT_N];
  int left[BOOK_FAULT_N]; /* operations still let through */
  int failed[BOOK_FAULT_N];
  char *control; /* daemon: PARLOUR_TEST_FAULT_FILE */
  struct stat seen;
  int fail_current; /* the statement running now is to be interrupted */
} F;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs fault_vfs;

void book_faultvfs_arm(BookFaultOp op, int after) {
  F.armed[op] = 1;
  F.left[op] = after < 0 ? 0 : after;
  F.failed[op] = 0;
}

void book_faultvfs_clear(void) {
  for (int i = 0; i < BOOK_FAULT_N; i++) F.armed[i] = 0;
  F.fail_current = 0;
}

int book_faultvfs_failed(BookFaultOp op) { return F.failed[op]; }

/* The daemon's control file changed (or went): read "<op> <after>". */
static void poll_control(void) {
  if (!F.control) return;
  struct stat s;
  if (stat(F.control, &s) != 0) memset(&s, 0, sizeof s);
  if (s.st_ino == F.seen.st_ino && s.st_size == F.seen.st_size &&
      s.st_mtim.tv_sec == F.seen.st_mtim.tv_sec && s.st_mtim.tv_nsec == F.seen.st_mtim.tv_nsec)
    return;
  F.seen = s;
  book_faultvfs_clear();
  char *text = NULL;
  if (!g_file_get_contents(F.control, &text, NULL, NULL)) return;
  char op[16] = "";
  int after = 0;
  if (sscanf(text, "%15s %d", op, &after) >= 1) {
    /* statement faults need the connection: unit tests only */
    static const char *const names[] = {"read", "write", "sync"};
    for (int i = 0; i < (int)G_N_ELEMENTS(names); i++)
      if (!strcmp(op, names[i])) {
        book_faultvfs_arm((BookFaultOp)i, after);
        log_warn("test_fault_armed", "op=%s after=%d", op, after);
      }
  }
  g_free(text);
}

static int should_fail(FaultFile *f, BookFaultOp op) {
  if (!f->counted) return 0;
  poll_control();
  if (!F.armed[op]) return 0;
  if (F.left[op] > 0) {
    F.left[op]--;
    return 0;
  }
  F.failed[op]++;
  static const char *const names[] = {"read", "write", "sync", "query"};
  if (F.control) log_warn("test_fault_injected", "op=%s n=%d", names[op], F.failed[op]);
  return 1;
}

/* The PostgreSQL engine's hook (book_store_pg.c): the same counters and
 * control file, one operation per statement (a SELECT is a read, a change
 * is a write, COMMIT is the sync). Active only with the daemon's switch or
 * a unit test's arm. */
int book_fault_take(BookFaultOp op) {
  poll_control();
  if (!F.armed[op]) return 0;
  if (F.left[op] > 0) {
    F.left[op]--;
    return 0;
  }
  F.failed[op]++;
  static const char *const names[] = {"read", "write", "sync", "query"};
  log_warn("test_fault_injected", "op=%s n=%d engine=postgresql", names[op], F.failed[op]);
  return 1;
}

/* ---- statement faults ---- */

/* Each statement's first step: count it, and decide whether it fails. */
static int on_trace(unsigned mask, void *ctx, void *p, void *x) {
  const char *sql = x;
  (void)mask, (void)ctx, (void)p;
  F.fail_current = 0;
  /* Trigger programs ("-- ...") belong to their statement; ROLLBACK must
   * always work, or a failure would leave a transaction open. */
  if (!sql || !strncmp(sql, "--", 2) || !g_ascii_strncasecmp(sql, "ROLLBACK", 8)) return 0;
  if (!F.armed[BOOK_FAULT_QUERY]) return 0;
  if (F.left[BOOK_FAULT_QUERY] > 0) {
    F.left[BOOK_FAULT_QUERY]--;
    return 0;
  }
  F.failed[BOOK_FAULT_QUERY]++;
  F.fail_current = 1;
  return 0;
}

/* Called by sqlite every virtual-machine instruction; non-zero interrupts
 * the statement (SQLITE_INTERRUPT), as a real sqlite3_interrupt would. */
static int on_progress(void *ctx) {
  (void)ctx;
  return F.fail_current;
}

void book_fault_attach(sqlite3 *db) {
  sqlite3_trace_v2(db, SQLITE_TRACE_STMT, on_trace, NULL);
  sqlite3_progress_handler(db, 1, on_progress, NULL);
}

/* ---- io methods ---- */

static int f_close(sqlite3_file *p) {
  FaultFile *f = (FaultFile *)p;
  return f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
}

static int f_read(sqlite3_file *p, void *buf, int n, sqlite3_int64 off) {
  FaultFile *f = (FaultFile *)p;
  if (should_fail(f, BOOK_FAULT_READ)) return SQLITE_IOERR_READ;
  return f->real->pMethods->xRead(f->real, buf, n, off);
}

static int f_write(sqlite3_file *p, const void *buf, int n, sqlite3_int64 off) {
  FaultFile *f = (FaultFile *)p;
  if (should_fail(f, BOOK_FAULT_WRITE)) return SQLITE_IOERR_WRITE;
  return f->real->pMethods->xWrite(f->real, buf, n, off);
}

static int f_sync(sqlite3_file *p, int flags) {
  FaultFile *f = (FaultFile *)p;
  if (should_fail(f, BOOK_FAULT_SYNC)) return SQLITE_IOERR_FSYNC;
  return f->real->pMethods->xSync(f->real, flags);
}

#define PASS(name, decl, call)                        \
  static int f_##name decl {                          \
    FaultFile *f = (FaultFile *)p;                    \
    return f->real->pMethods->x##call;                \
  }

PASS(truncate, (sqlite3_file * p, sqlite3_int64 size), Truncate(f->real, size))
PASS(filesize, (sqlite3_file * p, sqlite3_int64 * size), FileSize(f->real, size))
PASS(lock, (sqlite3_file * p, int l), Lock(f->real, l))
PASS(unlock, (sqlite3_file * p, int l), Unlock(f->real, l))
PASS(reserved, (sqlite3_file * p, int *out), CheckReservedLock(f->real, out))
PASS(fcntl, (sqlite3_file * p, int op, void *arg), FileControl(f->real, op, arg))
PASS(sector, (sqlite3_file * p), SectorSize(f->real))
PASS(devchar, (sqlite3_file * p), DeviceCharacteristics(f->real))
PASS(shmmap, (sqlite3_file * p, int pg, int sz, int ext, void volatile **pp),
     ShmMap(f->real, pg, sz, ext, pp))
PASS(shmlock, (sqlite3_file * p, int off, int n, int flags), ShmLock(f->real, off, n, flags))
PASS(shmunmap, (sqlite3_file * p, int del), ShmUnmap(f->real, del))

static void f_shmbarrier(sqlite3_file *p) {
  FaultFile *f = (FaultFile *)p;
  f->real->pMethods->xShmBarrier(f->real);
}

/* No memory-mapped pages: every page read goes through xRead, where it can
 * be made to fail. */
static int f_fetch(sqlite3_file *p, sqlite3_int64 off, int n, void **pp) {
  *pp = NULL;
  return SQLITE_OK;
}

static int f_unfetch(sqlite3_file *p, sqlite3_int64 off, void *ptr) { return SQLITE_OK; }

static const sqlite3_io_methods fault_io = {
    3,           f_close,    f_read,      f_write,    f_truncate,  f_sync,
    f_filesize,  f_lock,     f_unlock,    f_reserved, f_fcntl,     f_sector,
    f_devchar,   f_shmmap,   f_shmlock,   f_shmbarrier, f_shmunmap, f_fetch,
    f_unfetch,
};

/* ---- vfs ---- */

static int v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *p, int flags, int *out) {
  FaultFile *f = (FaultFile *)p;
  memset(f, 0, sizeof *f);
  f->real = (sqlite3_file *)(f + 1);
  f->counted = (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL)) != 0;
  int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out);
  /* A real file without shared memory (old method tables) keeps working;
   * ours always offers version 3, which the unix VFS has. */
  if (f->real->pMethods) f->base.pMethods = &fault_io;
  return rc;
}

#define VPASS(name, decl, call)            \
  static int v_##name decl {               \
    return real_vfs->x##call;              \
  }

VPASS(delete, (sqlite3_vfs * v, const char *n, int sync), Delete(real_vfs, n, sync))
VPASS(access, (sqlite3_vfs * v, const char *n, int fl, int *out), Access(real_vfs, n, fl, out))
VPASS(fullpath, (sqlite3_vfs * v, const char *n, int sz, char *out),
      FullPathname(real_vfs, n, sz, out))
VPASS(random, (sqlite3_vfs * v, int n, char *out), Randomness(real_vfs, n, out))
VPASS(sleep, (sqlite3_vfs * v, int us), Sleep(real_vfs, us))
VPASS(lasterr, (sqlite3_vfs * v, int n, char *out), GetLastError(real_vfs, n, out))
VPASS(time64, (sqlite3_vfs * v, sqlite3_int64 * t), CurrentTimeInt64(real_vfs, t))

static void *v_dlopen(sqlite3_vfs *v, const char *n) { return real_vfs->xDlOpen(real_vfs, n); }
static void v_dlerror(sqlite3_vfs *v, int n, char *out) { real_vfs->xDlError(real_vfs, n, out); }
static void (*v_dlsym(sqlite3_vfs *v, void *h, const char *s))(void) {
  return real_vfs->xDlSym(real_vfs, h, s);
}
static void v_dlclose(sqlite3_vfs *v, void *h) { real_vfs->xDlClose(real_vfs, h); }
static int v_time(sqlite3_vfs *v, double *t) { return real_vfs->xCurrentTime(real_vfs, t); }

int book_faultvfs_install(void) {
  if (real_vfs) return 0;
  sqlite3_initialize();
  sqlite3_vfs *def = sqlite3_vfs_find(NULL);
  if (!def || def->iVersion < 2) return -1;
  real_vfs = def;
  fault_vfs = (sqlite3_vfs){
      .iVersion = 2,
      .szOsFile = (int)sizeof(FaultFile) + def->szOsFile,
      .mxPathname = def->mxPathname,
      .zName = VFS_NAME,
      .xOpen = v_open,
      .xDelete = v_delete,
      .xAccess = v_access,
      .xFullPathname = v_fullpath,
      .xDlOpen = v_dlopen,
      .xDlError = v_dlerror,
      .xDlSym = v_dlsym,
      .xDlClose = v_dlclose,
      .xRandomness = v_random,
      .xSleep = v_sleep,
      .xCurrentTime = v_time,
      .xGetLastError = v_lasterr,
      .xCurrentTimeInt64 = v_time64,
  };
  if (sqlite3_vfs_register(&fault_vfs, 1) != SQLITE_OK) {
    real_vfs = NULL;
    return -1;
  }
  return 0;
}

int book_faultvfs_from_env(char *err, size_t errsize) {
  const char *path = getenv("PARLOUR_TEST_FAULT_FILE");
  if (!path || !*path) return 0;
  /* A stale variable pointing nowhere must not be silently ignored, nor
   * silently honoured: the file has to be there from the start. */
  struct stat s;
  if (stat(path, &s) != 0 || !S_ISREG(s.st_mode)) {
    snprintf(err, errsize, "PARLOUR_TEST_FAULT_FILE=%s is not a file (test-only switch)", path);
    return -1;
  }
  if (book_faultvfs_install()) {
    snprintf(err, errsize, "the fault-injection VFS could not be installed");
    return -1;
  }
  g_free(F.control);
  F.control = g_strdup(path);
  memset(&F.seen, 0, sizeof F.seen);
  log_warn("test_fault_injection_enabled",
           "control=%s note=\"test-only: storage faults on command; never in production\"", path);
  return 1;
}
