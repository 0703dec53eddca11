/* The PostgreSQL engine behind book_db.h (libpq, one connection per BookDb).
 *
 * Statements are the sqlite text translated once at prepare time
 * (book_pg_translate: ?/?N -> $N, INSERT OR IGNORE -> ON CONFLICT DO
 * NOTHING) and run with PQexecParams: integers are sent as int8, text as
 * "unknown" so the server types it from its context, as sqlite's affinity
 * does. A lost connection is healed before the next statement outside a
 * transaction; the statement that met the loss fails (-1, so 503). */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book_faultvfs.h"
#include "book_store.h"
#include "log.h"

#define INT8OID 20
#define TEXTOID 25

static PGconn *conn(BookDb *b) { return b->pg; }

static void notice_quiet(void *arg, const PGresult *res) { (void)arg, (void)res; }

BookDb *book_pg_open(const char *conninfo, char *err, size_t errsize) {
  /* connect_timeout first, so the configured conninfo may override it:
   * without one libpq waits for an unreachable host for ever, and every
   * request would hang behind the reconnect instead of answering 503. */
  const char *const keys[] = {"connect_timeout", "application_name", "dbname", NULL};
  const char *const vals[] = {"5", "parlour-booking", conninfo, NULL};
  PGconn *c = PQconnectdbParams(keys, vals, 1);
  if (!c || PQstatus(c) != CONNECTION_OK) {
    snprintf(err, errsize, "cannot connect to PostgreSQL: %s",
             c ? PQerrorMessage(c) : "no memory");
    char *nl = strchr(err, '\n');
    if (nl) *nl = 0;
    PQfinish(c);
    return NULL;
  }
  PQsetNoticeReceiver(c, notice_quiet, NULL);
  BookDb *b = g_new0(BookDb, 1);
  b->engine = BOOK_ENGINE_PG;
  b->pg = c;
  b->conninfo = g_strdup(conninfo);
  char e[300];
  if (book_pg_exec(b, "SET client_min_messages = warning; SET TIME ZONE 'UTC'", e, sizeof e)) {
    snprintf(err, errsize, "PostgreSQL: %s", e);
    book_pg_close(b);
    g_free(b->conninfo);
    g_free(b);
    return NULL;
  }
  return b;
}

void book_pg_close(BookDb *b) {
  if (b->pg) PQfinish(b->pg);
  b->pg = NULL;
}

static void fail_from(BookDb *b, PGresult *r) {
  const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(conn(b));
  if (!msg || !*msg) msg = PQerrorMessage(conn(b));
  char m[256];
  g_strlcpy(m, msg, sizeof m);
  char *nl = strchr(m, '\n');
  if (nl) *nl = 0;
  book_store_fail(b, state ? state : "08006", m);
}

/* Test-only connection faults (book_faultvfs.h): which operation sql is. */
static int fault_op(const char *sql) {
  while (*sql == ' ' || *sql == '\n' || *sql == '(') sql++;
  if (!g_ascii_strncasecmp(sql, "SELECT", 6) || !g_ascii_strncasecmp(sql, "WITH", 4))
    return BOOK_FAULT_READ;
  if (!g_ascii_strncasecmp(sql, "INSERT", 6) || !g_ascii_strncasecmp(sql, "UPDATE", 6) ||
      !g_ascii_strncasecmp(sql, "DELETE", 6))
    return BOOK_FAULT_WRITE;
  if (!g_ascii_strncasecmp(sql, "COMMIT", 6)) return BOOK_FAULT_SYNC;
  return -1;
}

/* When a fault is due, the backend serving this connection is terminated
 * (by itself), so the statement that follows fails as on a real loss. */
static void maybe_fault(BookDb *b, const char *sql) {
  if (!b->faults) return;
  int op = fault_op(sql);
  if (op < 0 || !book_fault_take((BookFaultOp)op)) return;
  PGresult *r = PQexec(conn(b), "SELECT pg_terminate_backend(pg_backend_pid())");
  PQclear(r);
}

int book_pg_exec(BookDb *b, const char *sql, char *err, size_t errsize) {
  book_pg_heal(b);
  maybe_fault(b, sql);
  PGresult *r = PQexec(conn(b), sql);
  ExecStatusType s = PQresultStatus(r);
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
    fail_from(b, r);
    snprintf(err, errsize, "%s", b->errmsg);
    PQclear(r);
    return -1;
  }
  PQclear(r);
  return 0;
}

int book_pg_commit(BookDb *b, char *err, size_t errsize) {
  maybe_fault(b, "COMMIT");
  PGresult *r = PQexec(conn(b), "COMMIT");
  ExecStatusType s = PQresultStatus(r);
  if (s != PGRES_COMMAND_OK) {
    fail_from(b, r);
    snprintf(err, errsize, "%s", b->errmsg);
    PQclear(r);
    return -1;
  }
  /* COMMIT of a transaction that already failed "succeeds" with the tag
   * ROLLBACK: nothing was committed, and that is a failure here. */
  int committed = strcmp(PQcmdStatus(r), "COMMIT") == 0;
  PQclear(r);
  if (!committed) {
    book_store_fail(b, "25P02", "the transaction had failed: COMMIT rolled it back");
    snprintf(err, errsize, "%s", b->errmsg);
    return -1;
  }
  return 0;
}

int book_pg_in_tx(BookDb *b) {
  PGTransactionStatusType t = PQtransactionStatus(conn(b));
  return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

void book_pg_heal(BookDb *b) {
  if (PQstatus(conn(b)) == CONNECTION_OK) return;
  if (b->in_tx) return; /* the caller's rollback comes first */
  PQreset(conn(b));
  b->pg_gen++; /* the server forgot every prepared statement */
  if (PQstatus(conn(b)) == CONNECTION_OK) {
    PQsetNoticeReceiver(conn(b), notice_quiet, NULL);
    PGresult *r = PQexec(conn(b), "SET client_min_messages = warning; SET TIME ZONE 'UTC'");
    PQclear(r);
    log_info("db_reconnected", "engine=postgresql");
  }
}

/* ---- dialect ---- */

static int is_word_at(const char *s, const char *w) { return g_ascii_strncasecmp(s, w, strlen(w)) == 0; }

char *book_pg_translate(const char *sql, int *np) {
  GString *o = g_string_new(NULL);
  int next = 0, max = 0, ignore = 0;
  const char *p = sql;
  while (*p == ' ' || *p == '\n') p++;
  if (is_word_at(p, "INSERT OR IGNORE ")) {
    g_string_append(o, "INSERT ");
    p += strlen("INSERT OR IGNORE ");
    ignore = 1;
  }
  size_t returning_at = (size_t)-1;
  while (*p) {
    if (*p == '\'' || *p == '"') {
      char q = *p;
      g_string_append_c(o, *p++);
      while (*p && *p != q) g_string_append_c(o, *p++);
      if (*p) g_string_append_c(o, *p++);
      continue;
    }
    if (*p == '?') {
      p++;
      int n;
      if (g_ascii_isdigit(*p)) {
        n = (int)strtol(p, (char **)&p, 10);
      } else {
        n = max + 1;
      }
      if (n > max) max = n;
      next = n;
      g_string_append_printf(o, "$%d", n);
      continue;
    }
    if (ignore && (p == sql || !g_ascii_isalnum(p[-1])) && is_word_at(p, "RETURNING "))
      returning_at = o->len;
    g_string_append_c(o, *p++);
  }
  (void)next;
  if (ignore) {
    while (o->len && (o->str[o->len - 1] == ';' || o->str[o->len - 1] == ' '))
      g_string_truncate(o, o->len - 1);
    if (returning_at != (size_t)-1)
      g_string_insert(o, (gssize)returning_at, "ON CONFLICT DO NOTHING ");
    else
      g_string_append(o, " ON CONFLICT DO NOTHING");
  }
  *np = max;
  return g_string_free(o, FALSE);
}

/* ---- statements ---- */

int book_pg_prepare(BookStmt *st) {
  st->pgsql = book_pg_translate(st->src, &st->np);
  st->vals = g_new0(char *, st->np + 1);
  st->types = g_new0(unsigned int, st->np + 1);
  st->prep_types = g_new0(unsigned int, st->np + 1);
  st->src_owned_oneoff = st->owned;
  st->row = -1;
  return 0;
}

void book_pg_clear(BookStmt *st) {
  book_pg_reset(st);
  for (int i = 0; i < st->np; i++) {
    g_free(st->vals[i]);
    st->vals[i] = NULL;
    st->types[i] = st->untyped_text ? TEXTOID : 0;
  }
}

void book_pg_bind(BookStmt *st, int i, const char *text, unsigned int type) {
  if (i < 1 || i > st->np) return; /* as sqlite: SQLITE_RANGE, ignored */
  g_free(st->vals[i - 1]);
  st->vals[i - 1] = g_strdup(text);
  st->types[i - 1] = type ? type : st->untyped_text ? TEXTOID : 0;
}

void book_pg_reset(BookStmt *st) {
  if (st->res) PQclear(st->res);
  st->res = NULL;
  st->row = -1;
  st->nrows = 0;
}

/* Runs st once: as a server-side prepared statement for the cached ones
 * (parsed and planned once per connection and parameter types; prepared
 * again after a reconnect or when the types bound change, e.g. a NULL where
 * an integer was), unnamed for the one-off ones (book_db_prepare). */
static PGresult *run(BookStmt *st) {
  BookDb *b = st->db;
  if (st->src_owned_oneoff)
    return PQexecParams(conn(b), st->pgsql, st->np, (const Oid *)st->types,
                        (const char *const *)st->vals, NULL, NULL, 0);
  size_t tsz = sizeof(unsigned int) * (size_t)st->np;
  if (!st->prepared || st->prepared_gen != b->pg_gen ||
      (st->np && memcmp(st->prep_types, st->types, tsz) != 0)) {
    if (st->prepared && st->prepared_gen == b->pg_gen) {
      char dealloc[48];
      snprintf(dealloc, sizeof dealloc, "DEALLOCATE %s", st->name);
      PQclear(PQexec(conn(b), dealloc));
    }
    st->prepared = 0;
    snprintf(st->name, sizeof st->name, "b%u", ++b->pg_names);
    PGresult *r = PQprepare(conn(b), st->name, st->pgsql, st->np, (const Oid *)st->types);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) return r;
    PQclear(r);
    if (st->np) memcpy(st->prep_types, st->types, tsz);
    st->prepared = 1;
    st->prepared_gen = b->pg_gen;
  }
  return PQexecPrepared(conn(b), st->name, st->np, (const char *const *)st->vals, NULL, NULL, 0);
}

int book_pg_step(BookStmt *st) {
  BookDb *b = st->db;
  if (!st->res) {
    book_pg_heal(b);
    maybe_fault(b, st->pgsql);
    PGresult *r = run(st);
    ExecStatusType s = PQresultStatus(r);
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (s == PGRES_FATAL_ERROR && state && (!strcmp(state, "42P08") || !strcmp(state, "42P18"))) {
      /* "?1 IS NULL OR col = ?1" bound with NULL: the server cannot type a
       * NULL whose first use says nothing about its type. sqlite has no
       * such question: send every untyped parameter as text, once. */
      PQclear(r);
      st->untyped_text = 1; /* and from now on, without asking first */
      for (int i = 0; i < st->np; i++)
        if (!st->types[i]) st->types[i] = TEXTOID;
      r = run(st);
      s = PQresultStatus(r);
    }
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
      fail_from(b, r);
      PQclear(r);
      return strncmp(b->sqlstate, "23", 2) == 0 ? BOOK_CONSTRAINT : BOOK_ERROR;
    }
    st->res = r;
    st->nrows = PQntuples(r);
    st->row = -1;
    const char *ct = PQcmdTuples(r);
    b->changes = ct && *ct ? atoi(ct) : 0;
  }
  if (st->row + 1 < st->nrows) {
    st->row++;
    return BOOK_ROW;
  }
  st->row = st->nrows;
  return BOOK_DONE;
}

const char *book_pg_text(BookStmt *st, int i) {
  if (!st->res || st->row < 0 || st->row >= st->nrows || i >= PQnfields(st->res)) return NULL;
  if (PQgetisnull(st->res, st->row, i)) return NULL;
  return PQgetvalue(st->res, st->row, i);
}

int book_pg_null(BookStmt *st, int i) {
  if (!st->res || st->row < 0 || st->row >= st->nrows || i >= PQnfields(st->res)) return 1;
  return PQgetisnull(st->res, st->row, i);
}
