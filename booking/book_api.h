/* The JSON API at /api/v1 (docs/openapi.yaml is its contract) and the web
 * client's static files at /. One BookApp per daemon; handlers run on the
 * main loop thread, synchronously, each write in one transaction.
 *
 * Every handler goes through the same gate: parse the session cookie (401
 * when a session is needed and missing or idle), check x-csrf-token on every
 * change (403 csrf_failed), then the role and ownership checks of
 * book_rules (404 for what the caller may not see). */
#ifndef PARLOUR_BOOK_API_H
#define PARLOUR_BOOK_API_H

#include <jansson.h>
#include <openssl/evp.h>

#include "book_auth.h"
#include "book_db.h"
#include "book_rules.h"
#include "booking_config.h"
#include "httpd.h"

typedef struct {
  const BookingConfig *cfg;
  BookDb *db;
  BookSessions *sessions;
  EVP_PKEY *token_key;      /* signs join tokens; owned */
  char *service_credential; /* signalling's secret; owned */
  char *csp;                /* Content-Security-Policy for pages; owned */
  char *client_root;        /* client_dir made absolute; owned */
  char *turn_secret;        /* TURN REST secret when [turn] urls is set; owned */
  char *token_kid;          /* JWT kid: first 16 chars of b64url(SHA-256(raw public key)); owned */
  char *recording_root;     /* [recording] directory made absolute; owned */
  /* The ID check's images (book_idcrypt.h): key_ok 0 when [identity]
   * key_file is missing, and uploads and views then answer 503. */
  unsigned char identity_key[32];
  int identity_key_ok;
  char *identity_root; /* [identity] directory made absolute; owned */
} BookApp;

/* Loads keys and secrets named by cfg and opens the database (seeding the
 * demo when enabled and the database is empty). NULL with a one-line reason
 * and the config key at fault. */
BookApp *book_app_new(const BookingConfig *cfg, char *err, size_t errsize, const char **bad_group,
                      const char **bad_key);
void book_app_free(BookApp *app);

/* The HttpHandler: /api/v1/..., /healthz, else static files. */
void book_app_handle(const HttpRequest *req, HttpResponse *resp, void *app);

/* ---- inside the API (book_api_*.c) ---- */

typedef struct {
  BookApp *app;
  const HttpRequest *req;
  HttpResponse *resp;
  BookSession *session; /* NULL when not signed in */
  BookActor actor;      /* valid when session != NULL */
  int64_t now;
} ApiCtx;

void api_error(ApiCtx *c, int http, const char *code, const char *message, const char *field);
void api_rule_error(ApiCtx *c, const BookError *e);
/* 503 storage_unavailable with retry-after: the database failed; nothing
 * was changed and the request may be tried again. */
void api_storage_error(ApiCtx *c);
/* Sends j (reference taken) with status http. */
void api_json(ApiCtx *c, int http, json_t *j);
/* Parses the body as a JSON object whose keys are all in allowed; an empty
 * body counts as {} when empty_ok. On error replies and returns NULL. */
json_t *api_body(ApiCtx *c, const char *const *allowed, int empty_ok);
/* Field getters for a parsed body: 0 ok (absent leaves *out), -1 replied. */
int api_str(ApiCtx *c, json_t *o, const char *key, int required, size_t maxlen, const char **out);
int api_int(ApiCtx *c, json_t *o, const char *key, int required, long long min, long long max,
            long long *out);
int api_bool(ApiCtx *c, json_t *o, const char *key, int *out);
/* 0 when signed in; else replies 401 and returns -1. */
int api_need_session(ApiCtx *c);
/* 0 when the role is one of roles (NULL-terminated); else 403. */
int api_need_role(ApiCtx *c, const char *const *roles);
/* Valid visit id text (lowercase hex, 16..32). */
int api_visit_id_ok(const char *id);

/* Handlers. rest is the path after "/api/v1". */
void api_auth_sign_in(ApiCtx *c);
void api_auth_sign_out(ApiCtx *c);
void api_me(ApiCtx *c);
void api_visit_types(ApiCtx *c);
void api_establishments(ApiCtx *c, const char *id); /* id NULL: list */
void api_establishment_patch(ApiCtx *c, const char *id);
/* GET/PUT /establishments/{id}/legal-sight-monitoring (book_api_sightonly.c). */
void api_legal_sight_get(ApiCtx *c, const char *id);
void api_legal_sight_put(ApiCtx *c, const char *id);
void api_prisoners(ApiCtx *c, const char *id);
void api_contacts(ApiCtx *c, const char *prisoner_id);
void api_contact_patch(ApiCtx *c, const char *prisoner_id, const char *visitor_id);
void api_contact_restriction_add(ApiCtx *c, const char *prisoner_id, const char *visitor_id);
void api_visit_decide(ApiCtx *c, const char *id, int approve);
void api_slots(ApiCtx *c, const char *prisoner_id);
/* Visiting orders (book_api_vo.c): the balance with its history for staff
 * and the prisoner's approved visitors; staff grant or remove orders. */
void api_visiting_orders(ApiCtx *c, const char *prisoner_id);
void api_visiting_orders_adjust(ApiCtx *c, const char *prisoner_id);
void api_probation_cases(ApiCtx *c);
void api_visits_list(ApiCtx *c);
void api_visits_create(ApiCtx *c);
void api_visit_get(ApiCtx *c, const char *id);
void api_visit_amend(ApiCtx *c, const char *id);
/* One-way video (book_api_oneway.c). */
void api_prisoner_one_way(ApiCtx *c, const char *prisoner_id);
void api_visit_one_way(ApiCtx *c, const char *visit_id);
void api_visit_cancel(ApiCtx *c, const char *id);
void api_visit_terminate(ApiCtx *c, const char *id);
void api_visit_audit(ApiCtx *c, const char *id);
void api_join_token(ApiCtx *c, const char *id);
/* Moves, reviews, outcomes (book_api_moves.c). */
void api_prisoner_move(ApiCtx *c, const char *prisoner_id);
void api_reviews_list(ApiCtx *c);
void api_reviews_scan(ApiCtx *c);
void api_review_resolve(ApiCtx *c, const char *review_id);
void api_visit_outcome(ApiCtx *c, const char *visit_id);
void api_internal_events(ApiCtx *c);
void api_demo_visits(ApiCtx *c);
/* Decisions that reach live calls (book_api_decisions.c, docs/contracts.md):
 * signalling's admission check and decision feed, and the staff and admin
 * actions that make decisions. */
void api_internal_admit(ApiCtx *c);
void api_internal_decisions(ApiCtx *c);
void api_internal_decisions_ack(ApiCtx *c);
void api_participant_remove(ApiCtx *c, const char *visit_id, const char *participant);
void api_user_patch(ApiCtx *c, const char *id);
void api_visit_type_patch(ApiCtx *c, const char *code);
/* Recordings (book_api_recordings.c): reviewer role only, all audited. */
void api_recordings_list(ApiCtx *c, const char *visit_id); /* visit_id NULL: all */
void api_recording_get(ApiCtx *c, const char *id);
void api_recording_file(ApiCtx *c, const char *id);
void api_recording_retain(ApiCtx *c, const char *id);
void api_recordings_purge(ApiCtx *c);

/* The audit chain's verifier for reviewers and admins (book_api_audit.c). */
void api_audit_verify(ApiCtx *c);
/* Held slots (book_api_holds.c) and eligibility facts
 * (book_api_eligibility.c), issue 16 parts 3 and 4. */
void api_holds_create(ApiCtx *c);
void api_holds_list(ApiCtx *c);
void api_hold_release(ApiCtx *c, const char *id);
void api_prisoner_patch(ApiCtx *c, const char *id);
void api_session_templates(ApiCtx *c);
void api_session_template_filters(ApiCtx *c, const char *id);
/* The visitor ID check (book_api_idcheck.c, docs/booking.md "ID check"). */
void api_identity_visitors(ApiCtx *c);
/* book_api_interpreters.c (issue 19 part 5) */
void api_interpreters(ApiCtx *c, int create);
void api_visit_interpreter_add(ApiCtx *c, const char *visit_id);
void api_visit_interpreter_remove(ApiCtx *c, const char *visit_id, const char *interpreter_id);
void api_identity_upload(ApiCtx *c, const char *visitor_id, const char *kind);
void api_identity_checks(ApiCtx *c);
void api_identity_image(ApiCtx *c, const char *check_id, const char *kind);
void api_identity_decide(ApiCtx *c, const char *check_id, int approve);

/* Retention purge: deletes the files of recordings older than
 * [recording] retention_days that no reviewer kept, marks their rows
 * deleted, audits each deletion and each kept one it skipped. Returns the
 * number deleted, or -1 on a storage error. */
int book_recordings_purge(BookApp *app, int64_t now, const char *actor, int *kept_out);

/* Notifications (book_api_notify.c, docs/booking.md "Notifications"). */
void api_notifications_list(ApiCtx *c);
void api_messages(ApiCtx *c);
void api_visitor_get(ApiCtx *c, const char *id);
void api_visitor_patch(ApiCtx *c, const char *id);

/* Views. */
json_t *book_view_visit(BookDb *db, const char *id); /* NULL if none or the database failed */
/* 1 with *out set, 0 no such visit, -1 the database failed. */
int book_view_visit_read(BookDb *db, const char *id, json_t **out) BOOK_MUST_CHECK;
/* NULL when the database failed (answer 503). */
json_t *book_view_me(BookDb *db, const BookSession *s, int idle_timeout_s);

/* Static files under client_root (book_static.c). */
void book_static_serve(BookApp *app, const HttpRequest *req, HttpResponse *resp);

/* Demo data (book_demo.c). */
int book_demo_seed_if_empty(BookDb *db, unsigned long scrypt_n, int64_t now);
/* Demo mode, every start: for each visit type with no call joinable now,
 * books one starting now (so a second `make run` on an old database still
 * has calls to join). Returns how many were added. */
int book_demo_refresh(BookDb *db, int64_t now);
/* Creates a demo visit of type starting at start; id_out 33 bytes. */
int book_demo_visit(BookDb *db, const char *type, int64_t start, int64_t end, const char *actor,
                    char *id_out, BookError *e);

#endif
