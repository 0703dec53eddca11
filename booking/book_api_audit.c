/* GET /api/v1/audit/verify (issue 18 part 3, docs/booking.md "Audit
 * chain"): verifies an establishment's audit chain, or the global one, and
 * its recordings' files, and names the first row that does not fit.
 *
 * Reviewers and admins only. A reviewer verifies their own establishment's
 * chain (the default) or the global chain ("*"); another establishment's is
 * 403. An admin may ask for any chain, or for all when none is named. The
 * answer holds hashes, ids and reasons, never a row's content. Every
 * verification is audited (audit_verified, in the global chain). */
#include <string.h>

#include "book_api.h"
#include "book_audit.h"
#include "log.h"
#include "timeutil.h"

static const char *const ROLES[] = {"reviewer", "admin", NULL};

/* "*" or an establishment id's shape (2 to 8 letters, digits, - or _). */
static int chain_ok(const char *s) {
  if (!strcmp(s, AUDIT_GLOBAL_CHAIN)) return 1;
  size_t n = strlen(s);
  if (n < 2 || n > 8) return 0;
  for (const char *p = s; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_') return 0;
  return 1;
}

void api_audit_verify(ApiCtx *c) {
  if (api_need_session(c) || api_need_role(c, ROLES)) return;
  const char *chain = http_request_query(c->req, "chain");
  if (chain && !chain_ok(chain)) {
    api_error(c, 400, "invalid_field", "chain must be an establishment id or *", "chain");
    return;
  }
  /* files=false: the chain only (the audit page's check on every load; a
   * full re-hash of every recording is for an explicit request or the
   * command: it reads every file). */
  const char *files = http_request_query(c->req, "files");
  if (files && strcmp(files, "true") && strcmp(files, "false")) {
    api_error(c, 400, "invalid_field", "files must be true or false", "files");
    return;
  }
  int with_files = !files || !strcmp(files, "true");
  int admin = !strcmp(c->actor.role, "admin");
  if (!admin) {
    const char *own = c->actor.establishment_id;
    if (!chain) chain = own ? own : AUDIT_GLOBAL_CHAIN;
    if (strcmp(chain, AUDIT_GLOBAL_CHAIN) && (!own || strcmp(chain, own))) {
      api_error(c, 403, "forbidden", "a reviewer verifies their own establishment's chain or *",
                "chain");
      return;
    }
  }
  json_t *rep = NULL;
  int rc = book_audit_verify(c->app->db, with_files ? c->app->recording_root : NULL, chain, &rep);
  if (rc < 0) {
    api_storage_error(c);
    return;
  }
  /* The first fault (if any) goes into the audit row and the log. */
  json_t *first = NULL, *ch;
  size_t i;
  json_array_foreach(json_object_get(rep, "chains"), i,
                     ch) if (!first && !json_is_true(json_object_get(ch, "intact"))) first = ch;
  json_t *d = json_pack("{s:s, s:b}", "chain", chain ? chain : "all", "intact", rc == 0);
  if (first) {
    json_object_set(d, "fault_chain", json_object_get(first, "chain"));
    json_object_set(d, "reason", json_object_get(first, "reason"));
    json_object_set(d, "row_id", json_object_get(first, "row_id"));
  }
  char *dt = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(d);
  int bad = !dt || book_audit(c->app->db, c->now, c->actor.username, NULL, "audit_verified", dt);
  free(dt);
  if (bad) {
    json_decref(rep);
    api_storage_error(c);
    return;
  }
  log_info("audit_verified", "user=%s chain=%s intact=%d", c->actor.username, chain ? chain : "all",
           rc == 0);
  char buf[32];
  json_object_set_new(rep, "checked_at", json_string(time_format_iso8601(c->now, buf, sizeof buf)));
  api_json(c, 200, rep);
}
