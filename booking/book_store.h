/* Inside the booking database seam (book_db.h): what the two engines
 * (book_store_sqlite.c, book_store_pg.c) share with book_db.c. Nothing
 * outside those three files includes this. */
#ifndef PARLOUR_BOOK_STORE_H
#define PARLOUR_BOOK_STORE_H

#include "book_db.h"

struct BookStmt {
  BookDb *db;
  const char *src;     /* the SQL as written (sqlite dialect, ? placeholders) */
  int owned;           /* src is ours (book_db_prepare) */
  sqlite3_stmt *lite; /* sqlite engine */
  /* PostgreSQL engine */
  char *pgsql;         /* src in PostgreSQL's dialect, $N placeholders */
  int np;              /* number of parameters */
  char **vals;         /* np text values (NULL = SQL NULL), owned */
  unsigned int *types; /* np type oids (0 = let the server infer) */
  int untyped_text;    /* untyped parameters go as text (learnt from 42P08) */
  int src_owned_oneoff; /* book_db_prepare: run unnamed, never prepared */
  int prepared;        /* server-side statement `name` exists ... */
  unsigned int prepared_gen; /* ... on this connection generation ... */
  unsigned int *prep_types;  /* ... for these parameter types */
  char name[16];
  void *res;           /* PGresult * of the current run, or NULL */
  int row, nrows;
};

/* Records the last failure on db (errmsg, and sqlstate for PostgreSQL). */
void book_store_fail(BookDb *db, const char *sqlstate, const char *msg);

/* sqlite engine */
BookDb *book_lite_open(const char *path, char *err, size_t errsize);
int book_lite_exec(BookDb *db, const char *sql, char *err, size_t errsize);
int book_lite_prepare(BookStmt *st);
int book_lite_step(BookStmt *st);

/* PostgreSQL engine */
BookDb *book_pg_open(const char *conninfo, char *err, size_t errsize);
void book_pg_close(BookDb *db);
int book_pg_exec(BookDb *db, const char *sql, char *err, size_t errsize);
int book_pg_prepare(BookStmt *st);
void book_pg_clear(BookStmt *st);
void book_pg_bind(BookStmt *st, int i, const char *text, unsigned int type);
int book_pg_step(BookStmt *st);
void book_pg_reset(BookStmt *st);
const char *book_pg_text(BookStmt *st, int i);
int book_pg_null(BookStmt *st, int i);
int book_pg_in_tx(BookDb *db);
/* COMMIT; -1 also when the server rolled back instead (a failed transaction). */
int book_pg_commit(BookDb *db, char *err, size_t errsize);
/* Reconnects when the connection was lost and no transaction is open. */
void book_pg_heal(BookDb *db);
/* The sqlite text of one statement in PostgreSQL's dialect; *np set to the
 * number of parameters. g_free the result. */
char *book_pg_translate(const char *sql, int *np);

#endif
