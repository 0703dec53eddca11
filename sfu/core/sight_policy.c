/* sight_policy: see sight_policy.h. */
#include "sight_policy.h"

bool sight_policy_may_forward(bool subscriber_hidden, bool room_audio_private, bool track_is_audio) {
  return !(subscriber_hidden && room_audio_private && track_is_audio);
}
