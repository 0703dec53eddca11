/* A participant's call quality (sig_quality.h). */
#include "sig_quality.h"

#include <string.h>

#include "jsonutil.h"
#include "quality_summary.h"

static const char *const STATS_FIELDS[] = {
    "v",     "type",   "interval_s", "width", "height",         "fps",   "frames_decoded",
    "freezes", "loss_permille", "rtt_ms", "kbps", "first_frame_ms", "relay", NULL};

/* An integer field in lo..hi; absent gives def when optional. */
static int int_field(json_t *msg, const char *key, long long lo, long long hi, int required,
                     long long def, long long *out, char *err, size_t errsize) {
  json_t *v = json_object_get(msg, key);
  if (!v && !required) {
    *out = def;
    return 0;
  }
  if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
    g_snprintf(err, errsize, "stats.%s must be an integer %lld..%lld", key, lo, hi);
    return -1;
  }
  *out = json_integer_value(v);
  return 0;
}

int sig_quality_parse(json_t *msg, SigQualitySample *out, int *first_frame_ms, int *relay,
                      char *err, size_t errsize) {
  const char *bad = jsonu_unknown_key(msg, STATS_FIELDS);
  if (bad) {
    g_snprintf(err, errsize, "stats has an unknown field: %.40s", bad);
    return -1;
  }
  long long interval, w, h, fps, frames, freezes, loss, rtt, kbps, ff;
  if (int_field(msg, "interval_s", 1, 60, 1, 0, &interval, err, errsize) ||
      int_field(msg, "width", 0, 8192, 1, 0, &w, err, errsize) ||
      int_field(msg, "height", 0, 8192, 1, 0, &h, err, errsize) ||
      int_field(msg, "fps", 0, 240, 1, 0, &fps, err, errsize) ||
      int_field(msg, "frames_decoded", 0, 240LL * 60, 1, 0, &frames, err, errsize) ||
      int_field(msg, "freezes", 0, 1000, 1, 0, &freezes, err, errsize) ||
      int_field(msg, "loss_permille", 0, 1000, 1, 0, &loss, err, errsize) ||
      int_field(msg, "rtt_ms", 0, 60000, 1, 0, &rtt, err, errsize) ||
      int_field(msg, "kbps", 0, 100000, 1, 0, &kbps, err, errsize) ||
      int_field(msg, "first_frame_ms", 0, 3600000, 0, -1, &ff, err, errsize))
    return -1;
  json_t *r = json_object_get(msg, "relay");
  if (r && !json_is_boolean(r)) {
    g_snprintf(err, errsize, "stats.relay must be true or false");
    return -1;
  }
  memset(out, 0, sizeof *out);
  out->d = (int)interval;
  out->w = (int)w;
  out->h = (int)h;
  out->fps = (int)fps;
  out->frames = frames;
  out->freezes = (int)freezes;
  out->loss = (int)loss;
  out->rtt_ms = (int)rtt;
  out->kbps = (int)kbps;
  *first_frame_ms = (int)ff;
  *relay = r ? json_is_true(r) : -1;
  return 0;
}

SigQuality *sig_quality_new(gint64 joined_at_ms) {
  SigQuality *q = g_new0(SigQuality, 1);
  q->joined_at_ms = joined_at_ms;
  q->first_frame_ms = -1;
  q->relay = -1;
  return q;
}

void sig_quality_free(SigQuality *q) {
  g_free(q);
}

static int imin(int a, int b) {
  return a < b ? a : b;
}
static int imax(int a, int b) {
  return a > b ? a : b;
}

/* Two neighbouring samples as one: durations added, the worst kept (the
 * smaller picture, the lower frame rate, the higher loss and RTT), freezes
 * and frames added, bit rate averaged over the time. */
static SigQualitySample merge(const SigQualitySample *a, const SigQualitySample *b) {
  SigQualitySample m = *a;
  m.d = imin(a->d + b->d, 600);
  if (b->h < a->h) {
    m.w = b->w;
    m.h = b->h;
  }
  m.fps = imin(a->fps, b->fps);
  m.freezes = a->freezes + b->freezes;
  m.loss = imax(a->loss, b->loss);
  m.rtt_ms = imax(a->rtt_ms, b->rtt_ms);
  m.kbps = a->d + b->d ? (int)(((long long)a->kbps * a->d + (long long)b->kbps * b->d) /
                               (a->d + b->d))
                       : 0;
  m.frames = a->frames + b->frames;
  return m;
}

int sig_quality_add(SigQuality *q, gint64 now_ms, const SigQualitySample *s, int first_frame_ms,
                    int relay) {
  if (q->last_report_ms && now_ms - q->last_report_ms < SIG_QUALITY_MIN_GAP_MS) {
    q->refused++;
    return -1;
  }
  q->last_report_ms = now_ms;
  if (first_frame_ms >= 0 && q->first_frame_ms < 0) q->first_frame_ms = first_frame_ms;
  if (relay >= 0) q->relay = relay;
  if (q->n == SIG_QUALITY_MAX_SAMPLES) {
    guint k = 0;
    for (guint i = 0; i + 1 < q->n; i += 2) q->s[k++] = merge(&q->s[i], &q->s[i + 1]);
    if (q->n % 2) q->s[k++] = q->s[q->n - 1];
    q->n = k;
  }
  SigQualitySample x = *s;
  x.t_ms = now_ms - q->joined_at_ms;
  q->s[q->n++] = x;
  return 0;
}

static long long jint(json_t *o, const char *k, long long def) {
  json_t *v = json_object_get(o, k);
  return json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer_value(v) : def;
}

int sig_quality_add_sfu(SigQuality *q, gint64 now_ms, json_t *stats) {
  json_t *pub = json_object_get(stats, "publisher"), *sub = json_object_get(stats, "subscriber");
  json_t *tracks = json_object_get(stats, "tracks");
  if (!json_is_object(stats) || (!json_is_object(pub) && !json_is_object(sub))) return -1;
  long long sub_bytes = jint(sub, "bytes_out", 0), pub_bytes = jint(pub, "bytes_in", 0);
  long long packets = 0, lost = 0;
  size_t i;
  json_t *t;
  json_array_foreach(tracks, i, t) {
    packets += jint(t, "packets", 0);
    lost += jint(t, "lost", 0);
  }
  gint64 dt = now_ms - q->sfu_last_ms;
  gboolean back = sub_bytes < q->sfu_sub_bytes || pub_bytes < q->sfu_pub_bytes ||
                  packets < q->sfu_packets || lost < q->sfu_lost;
  if (q->sfu_last_ms && !back && dt >= 1000) {
    if (q->sfu_n == SIG_QUALITY_MAX_SAMPLES) {
      guint k = 0;
      for (guint j = 0; j + 1 < q->sfu_n; j += 2) {
        SigQualitySfu m = q->sfu[j], *b = &q->sfu[j + 1];
        int d = m.d + b->d;
        m.rtt_ms = imax(m.rtt_ms, b->rtt_ms);
        m.estimate_kbps = imin(m.estimate_kbps, b->estimate_kbps);
        m.sent_kbps = d ? (int)(((long long)m.sent_kbps * m.d + (long long)b->sent_kbps * b->d) / d) : 0;
        m.recv_kbps = d ? (int)(((long long)m.recv_kbps * m.d + (long long)b->recv_kbps * b->d) / d) : 0;
        m.up_loss = imax(m.up_loss, b->up_loss);
        m.d = imin(d, 600);
        q->sfu[k++] = m;
      }
      if (q->sfu_n % 2) q->sfu[k++] = q->sfu[q->sfu_n - 1];
      q->sfu_n = k;
    }
    SigQualitySfu x;
    x.t_ms = now_ms - q->joined_at_ms;
    x.d = (int)imin((int)((dt + 500) / 1000), 600);
    json_t *bwe = json_object_get(stats, "bwe");
    x.rtt_ms = (int)jint(bwe, "rtt_ms", -1);
    x.estimate_kbps = (int)(jint(stats, "subscriber_estimate_bps", 0) / 1000);
    x.sent_kbps = (int)((sub_bytes - q->sfu_sub_bytes) * 8 / dt);
    x.recv_kbps = (int)((pub_bytes - q->sfu_pub_bytes) * 8 / dt);
    long long dp = packets - q->sfu_packets, dl = lost - q->sfu_lost;
    x.up_loss = dp + dl > 0 ? (int)(1000 * dl / (dp + dl)) : 0;
    q->sfu[q->sfu_n++] = x;
  }
  q->sfu_last_ms = now_ms;
  q->sfu_sub_bytes = sub_bytes;
  q->sfu_pub_bytes = pub_bytes;
  q->sfu_packets = packets;
  q->sfu_lost = lost;
  return 0;
}

json_t *sig_quality_report(const SigQuality *q, const char *participant, gint64 joined_at,
                           gint64 left_at) {
  json_t *samples = json_array();
  for (guint i = 0; i < q->n; i++) {
    const SigQualitySample *s = &q->s[i];
    json_array_append_new(
        samples, json_pack("{s:I, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:I}", "t",
                           (json_int_t)(s->t_ms / 1000), "d", s->d, "w", s->w, "h", s->h, "fps",
                           s->fps, "freezes", s->freezes, "loss", s->loss, "rtt_ms", s->rtt_ms,
                           "kbps", s->kbps, "frames", (json_int_t)s->frames));
  }
  json_t *r = json_pack("{s:s, s:I, s:I, s:i, s:i, s:i, s:o}", "participant", participant,
                        "joined_at", (json_int_t)joined_at, "left_at", (json_int_t)left_at, "reconnections", q->reconnections,
                        "ice_restarts", q->ice_restarts, "reports_refused", q->refused,
                        "samples", samples);
  json_t *sfu = json_array();
  for (guint i = 0; i < q->sfu_n; i++) {
    const SigQualitySfu *x = &q->sfu[i];
    json_array_append_new(sfu, json_pack("{s:I, s:i, s:i, s:i, s:i, s:i, s:i}", "t",
                                         (json_int_t)(x->t_ms / 1000), "d", x->d, "rtt_ms",
                                         x->rtt_ms, "estimate_kbps", x->estimate_kbps,
                                         "sent_kbps", x->sent_kbps, "recv_kbps", x->recv_kbps,
                                         "up_loss", x->up_loss));
  }
  json_object_set_new(r, "sfu", sfu);
  json_object_set_new(r, "first_frame_ms",
                      q->first_frame_ms >= 0 ? json_integer(q->first_frame_ms) : json_null());
  json_object_set_new(r, "relay", q->relay >= 0 ? json_boolean(q->relay) : json_null());
  QualitySummary sum;
  if (quality_summarize_json(r, &sum) == 0)
    json_object_set_new(r, "summary", json_pack("{s:i, s:i, s:i}", "minutes", sum.minutes,
                                                "clear_minutes", sum.clear_minutes, "drops",
                                                sum.drops));
  return r;
}
