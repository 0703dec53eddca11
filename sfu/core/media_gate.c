/* media_gate: see media_gate.h. */
#include "media_gate.h"

bool media_gate_allows(bool receive_video, MediaGateKind kind) {
  if (kind == MEDIA_GATE_AUDIO) return true;
  return receive_video;
}
