/* bwe_delay: see bwe_delay.h for the model and why. */
#include "bwe_delay.h"

#include <math.h>
#include <string.h>

#define GROUP_SPAN_US 5000
#define SMOOTHING 0.9
#define TREND_GAIN 4.0
#define THR_INIT 12.5
#define THR_MIN 6.0
#define THR_MAX 600.0
#define K_UP 0.0087
#define K_DOWN 0.039
#define OVERUSE_TIME_MS 10.0
#define BETA 0.85
#define DECREASE_GAP_US 300000
#define LOSS_MIN_PACKETS 30
#define HEAVY_LOSS 0.5
#define ACK_WINDOW 19 /* completed buckets: 475 ms */
/* 200 ms: short enough to lie inside a congestion that began a moment ago
 * (the 475 ms window still carries the rate from before it), long enough
 * for a few frames (libwebrtc's acknowledged-rate window is 150 ms). */
#define ACK_RECENT 8

void bwe_config_default(BweConfig *cfg) {
  cfg->min_bps = 50000;
  cfg->max_bps = 5000000;
  cfg->start_bps = 500000;
  cfg->increase_per_s = 1.3;
}

static uint64_t clamp_u64(double v, uint64_t lo, uint64_t hi) {
  if (v < (double)lo) return lo;
  if (v > (double)hi) return hi;
  return (uint64_t)v;
}

static void update_output(BweDelay *b) {
  double e = b->delay_bps;
  if (b->loss_bps < e) e = b->loss_bps;
  if (b->remb_bps && (double)b->remb_bps < e) e = (double)b->remb_bps;
  b->estimate_bps = clamp_u64(e, b->cfg.min_bps, b->cfg.max_bps);
}

void bwe_delay_init(BweDelay *b, const BweConfig *cfg) {
  BweConfig d;
  bwe_config_default(&d);
  memset(b, 0, sizeof *b);
  if (cfg) {
    if (cfg->min_bps) d.min_bps = cfg->min_bps;
    if (cfg->max_bps) d.max_bps = cfg->max_bps;
    if (cfg->start_bps) d.start_bps = cfg->start_bps;
    if (cfg->increase_per_s > 1.0) d.increase_per_s = cfg->increase_per_s;
  }
  if (d.max_bps < d.min_bps) d.max_bps = d.min_bps;
  d.start_bps = clamp_u64((double)d.start_bps, d.min_bps, d.max_bps);
  b->cfg = d;
  b->threshold = THR_INIT;
  b->time_over_ms = -1;
  b->delay_bps = (double)d.start_bps;
  b->loss_bps = (double)d.max_bps;
  b->rtt_us = 100000;
  b->state = BWE_STATE_INCREASE;
  update_output(b);
}

static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

static void ack_add(BweDelay *b, int64_t recv_us, uint32_t size) {
  int64_t idx = floor_div(recv_us, BWE_ACK_BUCKET_US);
  if (!b->have_ack) {
    b->have_ack = true;
    b->ack_max_idx = b->ack_first_idx = idx;
    for (unsigned i = 0; i < BWE_ACK_BUCKETS; i++) b->ack_idx[i] = INT64_MIN;
  }
  if (idx > b->ack_max_idx) b->ack_max_idx = idx;
  if (idx <= b->ack_max_idx - BWE_ACK_BUCKETS) return; /* too old to count */
  unsigned s = (unsigned)(((idx % BWE_ACK_BUCKETS) + BWE_ACK_BUCKETS) % BWE_ACK_BUCKETS);
  if (b->ack_idx[s] != idx) {
    b->ack_idx[s] = idx;
    b->ack_bytes[s] = 0;
  }
  b->ack_bytes[s] += size;
}

static uint64_t acked_over(const BweDelay *b, int64_t window) {
  if (!b->have_ack) return 0;
  /* the newest bucket is still filling: use the completed ones before it */
  int64_t hi = b->ack_max_idx - 1, lo = hi - window + 1;
  if (lo < b->ack_first_idx) lo = b->ack_first_idx;
  if (hi < lo) { /* younger than one bucket: use the partial one */
    hi = lo = b->ack_max_idx;
  }
  uint64_t bytes = 0;
  for (int64_t i = lo; i <= hi; i++) {
    unsigned s = (unsigned)(((i % BWE_ACK_BUCKETS) + BWE_ACK_BUCKETS) % BWE_ACK_BUCKETS);
    if (b->ack_idx[s] == i) bytes += b->ack_bytes[s];
  }
  return bytes * 8 * 1000000 / ((uint64_t)(hi - lo + 1) * BWE_ACK_BUCKET_US);
}

uint64_t bwe_delay_acked_bps(const BweDelay *b) { return acked_over(b, ACK_WINDOW); }
uint64_t bwe_delay_recent_acked_bps(const BweDelay *b) { return acked_over(b, ACK_RECENT); }

bool bwe_delay_decreased_within(const BweDelay *b, int64_t within_us, int64_t now_us) {
  if (b == NULL) return false;
  return (b->have_decrease && now_us - b->last_decrease_us <= within_us) ||
         (b->have_loss_decrease && now_us - b->last_loss_decrease_us <= within_us);
}

static void trend_reset(BweDelay *b) {
  b->acc_delay_ms = b->smoothed_ms = 0;
  b->n_deltas = 0;
  b->hist_n = b->hist_pos = 0;
  b->have_first_arrival = false;
  b->trend = b->prev_trend = 0;
  b->time_over_ms = -1;
  b->overuse_count = 0;
  b->usage = BWE_USAGE_NORMAL;
}

static double trend_slope(const BweDelay *b) {
  unsigned n = b->hist_n;
  double sx = 0, sy = 0;
  for (unsigned i = 0; i < n; i++) {
    sx += b->hist_x[i];
    sy += b->hist_y[i];
  }
  double mx = sx / n, my = sy / n, num = 0, den = 0;
  for (unsigned i = 0; i < n; i++) {
    num += (b->hist_x[i] - mx) * (b->hist_y[i] - my);
    den += (b->hist_x[i] - mx) * (b->hist_x[i] - mx);
  }
  return den == 0 ? 0 : num / den;
}

static void detect(BweDelay *b, double send_delta_ms, int64_t now_us) {
  if (b->n_deltas < 2) {
    b->usage = BWE_USAGE_NORMAL;
    return;
  }
  double t = b->trend;
  if (t > b->threshold) {
    if (b->time_over_ms < 0)
      b->time_over_ms = send_delta_ms / 2;
    else
      b->time_over_ms += send_delta_ms;
    b->overuse_count++;
    if (b->time_over_ms > OVERUSE_TIME_MS && b->overuse_count > 1 && t >= b->prev_trend) {
      b->time_over_ms = 0;
      b->overuse_count = 0;
      b->usage = BWE_USAGE_OVERUSE;
      b->overuses++;
    }
  } else if (t < -b->threshold) {
    b->time_over_ms = -1;
    b->overuse_count = 0;
    b->usage = BWE_USAGE_UNDERUSE;
  } else {
    b->time_over_ms = -1;
    b->overuse_count = 0;
    b->usage = BWE_USAGE_NORMAL;
  }
  b->prev_trend = t;
  /* adaptive threshold */
  double at = fabs(t);
  if (!b->have_thr_time) {
    b->have_thr_time = true;
    b->last_thr_us = now_us;
  }
  if (at <= b->threshold + 15.0) {
    double k = at < b->threshold ? K_DOWN : K_UP;
    double dt_ms = (double)(now_us - b->last_thr_us) / 1000.0;
    if (dt_ms > 100) dt_ms = 100;
    if (dt_ms < 0) dt_ms = 0;
    b->threshold += k * (at - b->threshold) * dt_ms;
    if (b->threshold < THR_MIN) b->threshold = THR_MIN;
    if (b->threshold > THR_MAX) b->threshold = THR_MAX;
  }
  b->last_thr_us = now_us;
}

static void on_group_delta(BweDelay *b, int64_t send_delta_us, int64_t recv_delta_us, int64_t arrival_us,
                           int64_t now_us) {
  double d = (double)(recv_delta_us - send_delta_us) / 1000.0;
  if (fabs(d) > 3000.0) { /* receiver clock jumped, or a stall beyond use */
    trend_reset(b);
    return;
  }
  if (!b->have_first_arrival) {
    b->have_first_arrival = true;
    b->first_arrival_us = arrival_us;
  }
  b->n_deltas++;
  b->acc_delay_ms += d;
  b->smoothed_ms = SMOOTHING * b->smoothed_ms + (1 - SMOOTHING) * b->acc_delay_ms;
  b->hist_x[b->hist_pos] = (double)(arrival_us - b->first_arrival_us) / 1000.0;
  b->hist_y[b->hist_pos] = b->smoothed_ms;
  b->hist_pos = (b->hist_pos + 1) % BWE_TREND_WINDOW;
  if (b->hist_n < BWE_TREND_WINDOW) b->hist_n++;
  if (b->hist_n == BWE_TREND_WINDOW) {
    unsigned n = b->n_deltas < 60 ? b->n_deltas : 60;
    b->trend = trend_slope(b) * n * TREND_GAIN;
  }
  detect(b, (double)send_delta_us / 1000.0, now_us);
}

static void on_packet(BweDelay *b, const TwccResult *r, int64_t now_us) {
  if (!b->have_group) {
    b->have_group = true;
    b->grp_first_send = b->grp_last_send = r->send_us;
    b->grp_last_recv = r->recv_us;
    return;
  }
  if (r->send_us < b->grp_first_send) return; /* reordered send: ignore for delay */
  if (r->send_us - b->grp_first_send <= GROUP_SPAN_US) {
    if (r->send_us > b->grp_last_send) b->grp_last_send = r->send_us;
    if (r->recv_us > b->grp_last_recv) b->grp_last_recv = r->recv_us;
    return;
  }
  /* a new group starts: the finished one gives a delta against the one before */
  if (b->have_prev)
    on_group_delta(b, b->grp_last_send - b->prev_last_send, b->grp_last_recv - b->prev_last_recv,
                   b->grp_last_recv, now_us);
  b->have_prev = true;
  b->prev_last_send = b->grp_last_send;
  b->prev_last_recv = b->grp_last_recv;
  b->grp_first_send = b->grp_last_send = r->send_us;
  b->grp_last_recv = r->recv_us;
}

static void update_avg_max(BweDelay *b, double kbps) {
  if (!b->have_avg_max) {
    b->have_avg_max = true;
    b->avg_max_kbps = kbps;
    b->var_max_kbps = 0.4;
    return;
  }
  const double alpha = 0.05;
  b->avg_max_kbps = (1 - alpha) * b->avg_max_kbps + alpha * kbps;
  double norm = b->avg_max_kbps > 1 ? b->avg_max_kbps : 1;
  double e = kbps - b->avg_max_kbps;
  b->var_max_kbps = (1 - alpha) * b->var_max_kbps + alpha * e * e / norm;
  if (b->var_max_kbps < 0.4) b->var_max_kbps = 0.4;
  if (b->var_max_kbps > 2.5) b->var_max_kbps = 2.5;
}

static void aimd(BweDelay *b, int64_t now_us) {
  double acked = (double)bwe_delay_acked_bps(b);
  switch (b->usage) {
  case BWE_USAGE_OVERUSE:
    b->state = BWE_STATE_DECREASE;
    break;
  case BWE_USAGE_UNDERUSE:
    b->state = BWE_STATE_HOLD;
    break;
  default:
    if (b->state != BWE_STATE_INCREASE) b->state = BWE_STATE_INCREASE;
    break;
  }
  double dt = b->have_update ? (double)(now_us - b->last_update_us) / 1e6 : 0;
  if (dt < 0) dt = 0;
  if (dt > 1) dt = 1;
  b->have_update = true;
  b->last_update_us = now_us;
  double std_kbps = sqrt(b->var_max_kbps * (b->avg_max_kbps > 1 ? b->avg_max_kbps : 1));
  if (b->state == BWE_STATE_INCREASE) {
    double kbps = b->delay_bps / 1000.0;
    if (b->have_avg_max && kbps > b->avg_max_kbps + 3 * std_kbps) b->have_avg_max = false; /* link changed */
    double next;
    if (b->have_avg_max) {
      /* near the rate where overuse happened: about one packet per response time */
      double response_s = 0.1 + (double)b->rtt_us / 1e6;
      double per_s = 1200.0 * 8 / response_s;
      if (per_s < 4000) per_s = 4000;
      next = b->delay_bps + per_s * dt;
    } else {
      next = b->delay_bps * pow(b->cfg.increase_per_s, dt);
    }
    /* Never far beyond what was measurably delivered; when the sender does
     * not use the estimate (a low layer is forwarded), only a probe
     * (bwe_probe) can show that more fits. */
    double cap = 1.5 * acked + 10000;
    if (next > cap) next = cap > b->delay_bps ? cap : b->delay_bps; /* never lowers */
    b->delay_bps = next;
  } else if (b->state == BWE_STATE_DECREASE) {
    if (now_us < b->probe_quiet_until_us) {
      /* the queue is our own probe's: its result speaks for it */
    } else if (!b->have_decrease || now_us - b->last_decrease_us >= DECREASE_GAP_US) {
      double next = acked > 0 ? BETA * acked : BETA * b->delay_bps;
      if (next > b->delay_bps) next = b->delay_bps; /* never raise while over-using */
      /* at most halve per step: the acknowledged rate is measured from the
       * receiver's timestamps, which a stalled receiver (or a busy host)
       * bunches; real congestion keeps signalling and steps again 300 ms on */
      if (next < 0.5 * b->delay_bps) next = 0.5 * b->delay_bps;
      if (acked > 0) {
        double kbps = acked / 1000.0;
        if (b->have_avg_max && kbps < b->avg_max_kbps - 3 * std_kbps) b->have_avg_max = false;
        update_avg_max(b, kbps);
      }
      b->delay_bps = next;
      b->have_decrease = true;
      b->last_decrease_us = now_us;
      b->decreases++;
    }
    b->state = BWE_STATE_HOLD;
  }
  if (b->delay_bps > (double)b->cfg.max_bps) b->delay_bps = (double)b->cfg.max_bps;
  if (b->delay_bps < (double)b->cfg.min_bps) b->delay_bps = (double)b->cfg.min_bps;
}

/* Congestion shown by loss is congestion: the delay-based value above the
 * loss bound is unproven (a tail-drop queue that stays full shows no delay
 * trend, so over-use never lowers it), and without this the first clean
 * window would let the bound go straight back up to it: behind 300 kbit/s a
 * stale 557 kbit/s came back 6 s after the down-switch and the selector
 * tried the next layer up without a probe (a 1.3 s freeze). */
static void loss_pulls_delay(BweDelay *b) {
  if (b->delay_bps > b->loss_bps) b->delay_bps = b->loss_bps < (double)b->cfg.min_bps ? (double)b->cfg.min_bps : b->loss_bps;
}

static void loss_update(BweDelay *b, int64_t now_us) {
  if (b->loss_total < LOSS_MIN_PACKETS) return;
  double loss = (double)b->loss_lost / b->loss_total;
  b->last_loss = loss;
  b->loss_lost = b->loss_total = 0;
  /* What was sent in the window, per second of send time. */
  double sent_bps = 0;
  int64_t span = b->loss_send_last_us - b->loss_send_first_us;
  if (b->loss_bytes && span >= 50000) sent_bps = (double)b->loss_bytes * 8e6 / (double)span;
  b->loss_bytes = 0;
  double media_loss = b->loss_media_total ? (double)b->loss_media_lost / b->loss_media_total : 0;
  b->loss_media_lost = b->loss_media_total = 0;
  if (media_loss > HEAVY_LOSS && sent_bps > 0 && sent_bps * (1 - media_loss) < b->loss_bps &&
      now_us >= b->probe_quiet_until_us) {
    /* Heavy loss (over half of a 30-packet window: random loss of a bad
     * radio link does not get there, nor does the low layer's keyframe
     * burst overflowing a small queue; with 30 % a 300 kbit/s path once
     * ended at ~130 kbit/s with the video paused, likely from that): a queue overflows (a high
     * layer forwarded into a link of a fifth of its rate loses ~80 %). At most (1 - loss) of what we sent
     * got through (probe padding aside, and not while our own probe's queue
     * drains): cap there at once, instead of the several multiplicative
     * steps (each 300 ms apart) that would leave the subscriber on a layer
     * the link drops for a second or more (measured: 1.3 s frame gap). */
    double got = sent_bps * (1 - media_loss);
    /* ...but never below what the receiver measurably got in the last
     * 200 ms: a tail-drop queue delivers the link's rate while it drops the
     * rest, and sent x (1 - loss) over a window that holds a keyframe burst
     * undershoots it (a 300 kbit/s path read as 153 kbit/s paused a video
     * the low layer fits, for 5 s). */
    double link = BETA * (double)acked_over(b, ACK_RECENT);
    if (got < link) got = link;
    if (got < b->loss_bps) b->loss_bps = got; /* never raises the bound */
    b->have_loss_decrease = true;
    b->last_loss_decrease_us = now_us;
    b->loss_capped++;
    loss_pulls_delay(b);
  } else if (loss > 0.10) {
    /* At most once per 300 ms + RTT: the losses of one congestion episode
     * arrive in several feedbacks (a high layer's queue overflowing while
     * the down-switch waits for its keyframe), and compounding each of them
     * would take a 300 kbit/s path's estimate to the floor within a second
     * (measured: 50 kbit/s, and the video paused for 5 s). */
    if (b->have_loss_decrease && now_us - b->last_loss_decrease_us < DECREASE_GAP_US + b->rtt_us) return;
    double base = b->loss_bps < (double)b->estimate_bps ? b->loss_bps : (double)b->estimate_bps;
    b->loss_bps = base * (1 - 0.5 * loss);
    b->have_loss_decrease = true;
    b->last_loss_decrease_us = now_us;
    loss_pulls_delay(b);
  } else if (loss < 0.02) {
    /* clean again: the bound lets go up to the delay-based estimate at once
     * (which overuse keeps honest) and grows beyond it 5 % per window */
    b->loss_bps = b->loss_bps * 1.05 > b->delay_bps ? b->loss_bps * 1.05 : b->delay_bps;
  }
  if (b->loss_bps > (double)b->cfg.max_bps) b->loss_bps = (double)b->cfg.max_bps;
  if (b->loss_bps < (double)b->cfg.min_bps) b->loss_bps = (double)b->cfg.min_bps;
}

void bwe_delay_on_feedback(BweDelay *b, const TwccResult *res, size_t n, int64_t now_us) {
  if (b == NULL || (res == NULL && n > 0)) return;
  for (size_t i = 0; i < n; i++) {
    if (!res[i].probe) {
      if (!b->loss_bytes) b->loss_send_first_us = res[i].send_us;
      b->loss_bytes += res[i].size;
      b->loss_send_last_us = res[i].send_us;
      b->loss_media_total++;
      if (res[i].recv_us < 0) b->loss_media_lost++;
    }
    b->loss_total++;
    if (res[i].recv_us < 0) {
      b->loss_lost++;
      continue;
    }
    if (!res[i].probe) ack_add(b, res[i].recv_us, res[i].size); /* padding is not delivered media */
    on_packet(b, &res[i], now_us);
  }
  aimd(b, now_us);
  update_output(b);
  loss_update(b, now_us);
  update_output(b);
}

void bwe_delay_on_remb(BweDelay *b, uint64_t bitrate_bps, int64_t now_us) {
  (void)now_us;
  if (b == NULL || bitrate_bps == 0) return;
  b->remb_bps = bitrate_bps;
  update_output(b);
}

void bwe_delay_probe_started(BweDelay *b, int64_t quiet_until_us) {
  if (b) b->probe_quiet_until_us = quiet_until_us;
}

void bwe_delay_on_probe(BweDelay *b, uint64_t delivered_bps, int64_t now_us) {
  (void)now_us;
  if (b == NULL || delivered_bps == 0 || b->usage == BWE_USAGE_OVERUSE) return;
  double v = 0.95 * (double)delivered_bps;
  if (v > b->delay_bps) {
    b->delay_bps = v > (double)b->cfg.max_bps ? (double)b->cfg.max_bps : v;
    b->have_avg_max = false; /* the path has more room than where it last over-used */
  }
  if (b->loss_bps < b->delay_bps && b->last_loss < 0.02) b->loss_bps = b->delay_bps;
  update_output(b);
}

void bwe_delay_set_rtt(BweDelay *b, int64_t rtt_us) {
  if (b && rtt_us > 0 && rtt_us < 10000000) b->rtt_us = rtt_us;
}

uint64_t bwe_delay_estimate_bps(const BweDelay *b) { return b->estimate_bps; }
BweUsage bwe_delay_usage(const BweDelay *b) { return b->usage; }
