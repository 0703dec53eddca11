/* parlour-booking --verify-audit (docs/deployment.md "Verifying the audit
 * chain"): opens the configured database (which also seals any rows written
 * before the chain existed), verifies every chain or one, hashes the
 * recordings still on disk, prints the verdict and exits 0 (intact),
 * 1 (a row or recording does not fit) or 2 (could not check). */
#include "book_verify_cmd.h"

#include <stdio.h>
#include <string.h>

#include "book_audit.h"

int book_verify_cmd_args(int *argc, char **argv, BookVerifyArgs *a) {
  memset(a, 0, sizeof *a);
  a->files = 1;
  int out = 1;
  for (int i = 1; i < *argc; i++) {
    const char *s = argv[i];
    if (!strcmp(s, "--verify-audit")) {
      a->verify = 1;
    } else if (!strcmp(s, "--json")) {
      a->json = 1;
    } else if (!strcmp(s, "--no-files")) {
      a->files = 0;
    } else if ((!strcmp(s, "--establishment") || !strcmp(s, "--chain"))) {
      if (i + 1 >= *argc) return -1;
      a->chain = argv[++i];
    } else {
      argv[out++] = argv[i];
    }
  }
  *argc = out;
  argv[out] = NULL;
  /* the verifier's options mean nothing without --verify-audit */
  return !a->verify && (a->json || !a->files || a->chain) ? -1 : 0;
}

static void print_text(json_t *rep) {
  json_t *c;
  size_t i;
  json_array_foreach(json_object_get(rep, "chains"), i, c) {
    const char *chain = json_string_value(json_object_get(c, "chain"));
    json_int_t rows = json_integer_value(json_object_get(c, "rows"));
    if (json_is_true(json_object_get(c, "intact"))) {
      const char *hash = json_string_value(json_object_get(json_object_get(c, "head"), "hash"));
      printf("chain %s: intact, %lld rows, head %s\n", chain, (long long)rows, hash ? hash : "-");
    } else {
      json_t *row = json_object_get(c, "row_id");
      char id[24] = "-";
      if (json_is_integer(row)) g_snprintf(id, sizeof id, "%lld", (long long)json_integer_value(row));
      printf("chain %s: FAULT %s at audit row %s: %s\n", chain,
             json_string_value(json_object_get(c, "reason")), id,
             json_string_value(json_object_get(c, "message")));
    }
  }
  printf("recordings checked: %lld, files hashed: %lld\n",
         (long long)json_integer_value(json_object_get(rep, "recordings_checked")),
         (long long)json_integer_value(json_object_get(rep, "files_hashed")));
}

int book_verify_cmd_run(const BookingConfig *cfg, const BookVerifyArgs *a) {
  char err[512];
  int pg = !strcmp(cfg->db_engine, "postgresql");
  BookDb *db = book_db_open_engine(cfg->db_engine, pg ? cfg->db_url : cfg->db_path, err, sizeof err);
  if (!db) {
    fprintf(stderr, "parlour-booking: %s\n", err);
    return 2;
  }
  char *root = a->files ? g_canonicalize_filename(cfg->recording_dir, NULL) : NULL;
  json_t *rep = NULL;
  int rc = book_audit_verify(db, root, a->chain, &rep);
  g_free(root);
  book_db_free(db);
  if (rc < 0) {
    fprintf(stderr, "parlour-booking: the database could not be read (see the log)\n");
    return 2;
  }
  if (a->json) {
    char *s = json_dumps(rep, JSON_INDENT(2) | JSON_SORT_KEYS);
    printf("%s\n", s);
    free(s);
  } else {
    print_text(rep);
  }
  json_decref(rep);
  return rc == 0 ? 0 : 1;
}
