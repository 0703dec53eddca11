/* engine_drops: every packet the engine does not use, counted by reason.
 *
 * A packet that silently vanishes is the hardest thing to debug in a media
 * server: a spoofed SSRC, a malformed extension, an RTX copy that does not
 * unwrap all look alike from outside ("the video froze"). Every drop on the
 * packet path is counted here, per participant and per room (the control
 * API's participant_stats and room_stats, docs/sfu-control.md), and its
 * first occurrence (then at most one per reason per ENGINE_DROP_LOG_US) is
 * worth a debug log line, which the caller writes. Sans-IO: the time is
 * passed in. */
#ifndef PARLOUR_SFU_CORE_ENGINE_DROPS_H
#define PARLOUR_SFU_CORE_ENGINE_DROPS_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
  /* a publisher's RTP */
  ENGINE_DROP_OVERSIZE,        /* longer than the engine's packet buffers */
  ENGINE_DROP_RTP_PARSE,       /* not RTP the parser accepts */
  ENGINE_DROP_UNKNOWN_SSRC,    /* no track of this publisher claims the SSRC */
  ENGINE_DROP_SSRC_BIND,       /* a track claims it, the router refused to bind it */
  ENGINE_DROP_SPOOFED_SSRC,    /* the SSRC belongs to another participant's track */
  ENGINE_DROP_RTX_PADDING,     /* RTX without an original packet (a padding probe) */
  ENGINE_DROP_RTX_UNWRAP,      /* RTX whose original does not unwrap or parse */
  ENGINE_DROP_RTX_DUPLICATE,   /* RTX copy of a packet already received */
  ENGINE_DROP_ROUTER,          /* the router refused to route it */
  /* RTP toward a subscriber */
  ENGINE_DROP_VP8_REWRITE,     /* VP8 descriptor the layer switch cannot continue */
  ENGINE_DROP_EXT_REWRITE,     /* header extensions malformed for the id rewrite */
  ENGINE_DROP_TWCC_STAMP,      /* no room for the transport-wide sequence number */
  ENGINE_DROP_SEND,            /* the pump did not take it (leg not connected, send error) */
  ENGINE_DROP_VIDEO_BLOCKED,   /* video toward a subscriber that may not see video (media_gate.h) */
  /* anything else a participant sent */
  ENGINE_DROP_SUBSCRIBER_RTP,  /* RTP on a subscriber leg (it only receives) */
  ENGINE_DROP_RTCP_PARSE,      /* RTCP the parser stopped on (what came before it is used) */
  /* policy */
  ENGINE_DROP_PRIVATE_AUDIO,   /* audio of an audio-private room toward a hidden participant (sight_policy.h) */
  ENGINE_DROP_N
} EngineDrop;

/* Smallest interval between two log lines of one reason. */
#define ENGINE_DROP_LOG_US 1000000

typedef struct {
  uint64_t count[ENGINE_DROP_N];
  int64_t logged_us[ENGINE_DROP_N]; /* last log line's time, valid when logged[] */
  bool logged[ENGINE_DROP_N];
} EngineDrops;

void engine_drops_init(EngineDrops *d);
/* Counts one drop; true when the caller should log it now (the reason's
 * first drop, else not within ENGINE_DROP_LOG_US of its last line). */
bool engine_drops_count(EngineDrops *d, EngineDrop why, int64_t now_us);
uint64_t engine_drops_total(const EngineDrops *d);
/* Stable snake_case name ("unknown_ssrc"), the key in the stats; NULL when
 * out of range. */
const char *engine_drop_name(EngineDrop why);

#endif
