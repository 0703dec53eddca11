/* The admission check at every first join (docs/contracts.md, "Decisions
 * reach live calls"): booking is asked before the participant is placed;
 * its answer decides, and no answer refuses the join (fail closed). */
#include <string.h>

#include "log.h"
#include "sig_booking.h"
#include "sig_admit.h"
#include "sig_conn.h"
#include "sig_metrics.h"
#include "sig_relay.h"
#include "sig_room.h"
#include "sig_server_state.h"

/* Seconds the client waits before trying again after admission_unavailable. */
#define ADMIT_RETRY_AFTER_S 2

typedef struct {
  SigServer *srv;
  guint64 conn_id;
  SigIdentity *id;
  int resume;
} AdmitCtx;

static void admit_ctx_free(gpointer p) {
  AdmitCtx *x = p;
  if (x->id) sig_identity_free(x->id);
  g_free(x);
}

static void refuse(SigConn *c, const char *code, const char *message, int close_code) {
  log_info("join_refused", "conn=%" G_GUINT64_FORMAT " code=%s", c->id, code);
  sig_metrics_join_refused(code);
  sig_send_error(c, code, message, "join");
  c->joining = FALSE;
  sig_conn_close(c, close_code, code);
}

static void on_admission(const SigAdmitAnswer *a, void *user) {
  AdmitCtx *x = user;
  sig_metrics_admission(a->outcome == SIG_ADMIT_UNAVAILABLE ? "unavailable"
                        : a->outcome == SIG_ADMIT_NO        ? "refused"
                                                            : "admitted");
  SigConn *c = sig_conn_lookup(x->srv, x->conn_id);
  if (!c || c->closing) return; /* the person went away meanwhile */
  if (a->outcome == SIG_ADMIT_UNAVAILABLE) {
    log_info("join_refused", "conn=%" G_GUINT64_FORMAT " code=admission_unavailable why=%s",
             c->id, a->code);
    sig_metrics_join_refused("admission_unavailable");
    sig_send(c, "error",
             json_pack("{s:s, s:s, s:s, s:i}", "code", "admission_unavailable", "message",
                       "the booking service could not confirm this visit; trying again shortly",
                       "re", "join", "retry_after", ADMIT_RETRY_AFTER_S));
    c->joining = FALSE;
    sig_conn_close(c, SIG_CLOSE_UNAVAILABLE, "admission_unavailable");
    return;
  }
  if (a->outcome == SIG_ADMIT_NO) {
    refuse(c, a->code, a->message, SIG_CLOSE_REFUSED);
    return;
  }
  SigRoom *r = g_hash_table_lookup(x->srv->rooms, x->id->room);
  sig_admit_effective(x->id, a, r ? r->policy : NULL);
  if (x->id->hidden && !x->id->monitoring_allowed) {
    refuse(c, "policy_forbids_monitoring", "this visit's policy no longer allows monitoring",
           SIG_CLOSE_REFUSED);
    return;
  }
  SigIdentity *id = x->id;
  x->id = NULL;
  sig_join_place(c, id, x->resume);
}

void sig_admission_start(SigConn *c, SigIdentity *id, int resume) {
  SigServer *s = c->srv;
  c->joining = TRUE; /* a second join, or the join deadline, must wait for the answer */
  if (c->join_timer) {
    g_source_remove(c->join_timer);
    c->join_timer = 0;
  }
  AdmitCtx *x = g_new0(AdmitCtx, 1);
  x->srv = s;
  x->conn_id = c->id;
  x->id = id;
  x->resume = resume;
  sig_booking_admit(s->booking, id->room, id->participant, id->role, id->jti, on_admission, x,
                    admit_ctx_free);
}
