/* media_desc: see media_desc.h. */
#include "media_desc.h"

const char *sdp_kind_name(SdpKind k) {
  return k == SDP_KIND_AUDIO ? "audio" : k == SDP_KIND_VIDEO ? "video" : "other";
}
