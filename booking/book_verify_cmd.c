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
    } else if (!strcmp(s, "--anchor")) {
      if (i + 1 >= *argc) return -1;
      a->anchor = argv[++i];
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
  return !a->verify && (a->json || !a->files || a->chain || a->anchor) ? -1 : 0;
}

/* The anchor file: lines "CHAIN SEQ HASH" (optionally after "anchor: ",
 * as print_text writes them); blank lines and # comments skipped. The
 * strings live in *keep. -1 with a reason on a malformed line. */
static int read_anchors(const char *file, GArray *out, GPtrArray *keep) {
  char *text = NULL;
  GError *e = NULL;
  if (!g_file_get_contents(file, &text, NULL, &e)) {
    fprintf(stderr, "parlour-booking: --anchor %s: %s\n", file, e->message);
    g_error_free(e);
    return -1;
  }
  g_ptr_array_add(keep, text);
  gchar **lines = g_strsplit(text, "\n", -1);
  int bad = 0;
  for (int i = 0; lines[i] && !bad; i++) {
    char *l = g_strstrip(lines[i]);
    if (g_str_has_prefix(l, "anchor:")) l = g_strstrip(l + 7);
    if (!*l || *l == '#') continue;
    gchar **f = g_strsplit_set(l, " \t", -1);
    GPtrArray *w = g_ptr_array_new();
    for (int j = 0; f[j]; j++)
      if (*f[j]) g_ptr_array_add(w, f[j]);
    char *end = NULL;
    gint64 seq = w->len == 3 ? g_ascii_strtoll(w->pdata[1], &end, 10) : 0;
    int hex = w->len == 3 && strlen(w->pdata[2]) == 64;
    for (const char *p = hex ? w->pdata[2] : ""; *p && hex; p++)
      hex = g_ascii_isxdigit(*p) && !g_ascii_isupper(*p);
    if (w->len != 3 || !end || *end || seq <= 0 || !hex || strlen(w->pdata[0]) > 8) {
      fprintf(stderr, "parlour-booking: --anchor %s line %d: want \"CHAIN SEQ HASH\"\n", file,
              i + 1);
      bad = 1;
    } else {
      char *chain = g_strdup(w->pdata[0]), *hash = g_strdup(w->pdata[2]);
      g_ptr_array_add(keep, chain);
      g_ptr_array_add(keep, hash);
      AuditAnchor a = {chain, seq, hash};
      g_array_append_val(out, a);
    }
    g_ptr_array_free(w, TRUE);
    g_strfreev(f);
  }
  g_strfreev(lines);
  return bad ? -1 : 0;
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
      json_int_t seq = json_integer_value(json_object_get(json_object_get(c, "head"), "seq"));
      /* the line to keep elsewhere and give back with --anchor */
      if (hash && seq > 0) printf("anchor: %s %lld %s\n", chain, (long long)seq, hash);
    } else {
      json_t *row = json_object_get(c, "row_id");
      char id[24] = "-";
      if (json_is_integer(row))
        g_snprintf(id, sizeof id, "%lld", (long long)json_integer_value(row));
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
  BookDb *db =
      book_db_open_engine(cfg->db_engine, pg ? cfg->db_url : cfg->db_path, err, sizeof err);
  if (!db) {
    fprintf(stderr, "parlour-booking: %s\n", err);
    return 2;
  }
  char *root = a->files ? g_canonicalize_filename(cfg->recording_dir, NULL) : NULL;
  json_t *rep = NULL;
  GArray *anchors = g_array_new(FALSE, TRUE, sizeof(AuditAnchor));
  GPtrArray *keep = g_ptr_array_new_with_free_func(g_free);
  int rc =
      a->anchor && read_anchors(a->anchor, anchors, keep)
          ? -2
          : book_audit_verify_anchored(
                db, root, a->chain, (const AuditAnchor *)(void *)anchors->data, anchors->len, &rep);
  g_array_free(anchors, TRUE);
  g_ptr_array_free(keep, TRUE);
  g_free(root);
  book_db_free(db);
  if (rc == -2) return 2; /* the anchor file: said why */
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
