/* A participant's call quality, as the browser reports it over the
 * signalling socket (docs/signalling-protocol.md, "stats") and as the call
 * itself shows it (join time, reconnections, ICE restarts), kept while the
 * participant is in the call and sent to booking as one call_quality event
 * when they leave or the call ends (docs/contracts.md).
 *
 * Pure: parsing takes the message and returns a sample or a reason; the
 * accumulator takes times as input. Memory is bounded: at most
 * SIG_QUALITY_MAX_SAMPLES samples per participant; when full, neighbouring
 * samples are merged in pairs (the worst of each figure kept, durations
 * added), so a long call keeps its whole span at a coarser grain. */
#ifndef PARLOUR_SIG_QUALITY_H
#define PARLOUR_SIG_QUALITY_H

#include <glib.h>
#include <jansson.h>

#define SIG_QUALITY_MAX_SAMPLES 360 /* an hour at one sample every 10 s */
#define SIG_QUALITY_MIN_GAP_MS 2000 /* reports closer together are refused */

typedef struct {
  gint64 t_ms;        /* when it arrived, ms since join */
  int d;              /* seconds it covers (the client's interval_s) */
  int w, h, fps;      /* received picture */
  int freezes;        /* freezes during the interval */
  int loss;           /* packets lost per thousand */
  int rtt_ms;
  int kbps;           /* received bit rate */
  long long frames;   /* frames decoded during the interval */
} SigQualitySample;

/* What the SFU saw of the participant (participant_stats, sampled by
 * signalling every SIG_QUALITY_SFU_PERIOD_S): over the interval since the
 * previous sample. */
#define SIG_QUALITY_SFU_PERIOD_S 10
typedef struct {
  gint64 t_ms;      /* ms since join */
  int d;            /* seconds covered */
  int rtt_ms;       /* the SFU's RTT to the participant (bwe.rtt_ms), -1 unknown */
  int estimate_kbps;/* the SFU's estimate of the participant's downlink */
  int sent_kbps;    /* what the SFU sent it (subscriber bytes_out) */
  int recv_kbps;    /* what it published (publisher bytes_in) */
  int up_loss;      /* of its published tracks' packets, lost per thousand */
} SigQualitySfu;

typedef struct SigQuality {
  gint64 joined_at_ms;    /* the server's clock (sig_now_ms) at the join */
  gint64 last_report_ms;  /* 0: none yet */
  int first_frame_ms;     /* -1 unknown */
  int relay;              /* -1 unknown, 0 direct, 1 through TURN */
  int reconnections, ice_restarts;
  int refused;            /* reports refused (bad, too frequent) */
  guint n;
  SigQualitySample s[SIG_QUALITY_MAX_SAMPLES];
  /* The SFU's side: the last totals seen and the samples. */
  gint64 sfu_last_ms; /* 0: no totals yet */
  long long sfu_sub_bytes, sfu_pub_bytes, sfu_packets, sfu_lost;
  guint sfu_n;
  SigQualitySfu sfu[SIG_QUALITY_MAX_SAMPLES];
} SigQuality;

/* Parses a client "stats" message. Returns 0 with *out filled (first_frame_ms
 * -1 and relay -1 when the message does not say), or -1 with a reason in err
 * naming the field. */
int sig_quality_parse(json_t *msg, SigQualitySample *out, int *first_frame_ms, int *relay,
                      char *err, size_t errsize);

SigQuality *sig_quality_new(gint64 joined_at_ms);
void sig_quality_free(SigQuality *q);
/* Adds a parsed report arriving at now_ms. Returns 0, or -1 when it came
 * sooner than SIG_QUALITY_MIN_GAP_MS after the last (counted in refused). */
int sig_quality_add(SigQuality *q, gint64 now_ms, const SigQualitySample *s, int first_frame_ms,
                    int relay);
/* Adds a participant_stats result (docs/sfu-control.md) seen at now_ms:
 * the first only sets the totals; later ones add a sample of the interval.
 * Returns 0, or -1 when the result is not one (nothing changed). A counter
 * that went backwards (new transports after a media reset) restarts the
 * totals. */
int sig_quality_add_sfu(SigQuality *q, gint64 now_ms, json_t *stats);

/* The report for booking (the call_quality event's data); times in unix seconds. */
json_t *sig_quality_report(const SigQuality *q, const char *participant, gint64 joined_at,
                           gint64 left_at);

#endif
