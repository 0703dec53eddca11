/* engine_stats_json: the engine's counts as the control API's JSON
 * (participant_stats, room_stats: docs/sfu-control.md). The engine keeps
 * plain counters (sfu/core); the JSON is the pump's. */
#include "room_internal.h"

json_t *engine_drops_json(const EngineDrops *d) {
  json_t *j = json_object();
  for (unsigned i = 0; i < ENGINE_DROP_N; i++)
    json_object_set_new(j, engine_drop_name((EngineDrop)i), json_integer((json_int_t)d->count[i]));
  return j;
}
