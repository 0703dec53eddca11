/* engine_drops: see engine_drops.h. */
#include "engine_drops.h"

#include <string.h>

static const char *const names[ENGINE_DROP_N] = {
    [ENGINE_DROP_OVERSIZE] = "oversize",
    [ENGINE_DROP_RTP_PARSE] = "rtp_parse",
    [ENGINE_DROP_UNKNOWN_SSRC] = "unknown_ssrc",
    [ENGINE_DROP_SSRC_BIND] = "ssrc_bind",
    [ENGINE_DROP_SPOOFED_SSRC] = "spoofed_ssrc",
    [ENGINE_DROP_RTX_PADDING] = "rtx_padding",
    [ENGINE_DROP_RTX_UNWRAP] = "rtx_unwrap",
    [ENGINE_DROP_RTX_DUPLICATE] = "rtx_duplicate",
    [ENGINE_DROP_ROUTER] = "router",
    [ENGINE_DROP_VP8_REWRITE] = "vp8_rewrite",
    [ENGINE_DROP_EXT_REWRITE] = "ext_rewrite",
    [ENGINE_DROP_TWCC_STAMP] = "twcc_stamp",
    [ENGINE_DROP_SEND] = "send",
    [ENGINE_DROP_VIDEO_BLOCKED] = "video_blocked",
    [ENGINE_DROP_SUBSCRIBER_RTP] = "subscriber_rtp",
    [ENGINE_DROP_RTCP_PARSE] = "rtcp_parse",
    [ENGINE_DROP_PRIVATE_AUDIO] = "private_audio",
};

void engine_drops_init(EngineDrops *d) { memset(d, 0, sizeof *d); }

bool engine_drops_count(EngineDrops *d, EngineDrop why, int64_t now_us) {
  if ((unsigned)why >= ENGINE_DROP_N) return false;
  d->count[why]++;
  if (d->logged[why] && now_us - d->logged_us[why] < ENGINE_DROP_LOG_US) return false;
  d->logged[why] = true;
  d->logged_us[why] = now_us;
  return true;
}

uint64_t engine_drops_total(const EngineDrops *d) {
  uint64_t n = 0;
  for (unsigned i = 0; i < ENGINE_DROP_N; i++) n += d->count[i];
  return n;
}

const char *engine_drop_name(EngineDrop why) {
  return (unsigned)why < ENGINE_DROP_N ? names[why] : NULL;
}
