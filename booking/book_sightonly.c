#include "book_sightonly.h"

#include <string.h>

const char *book_sight_monitoring(const char *visit_type, const char *type_monitoring,
                                  int legal_sight_on) {
  if (!visit_type || !type_monitoring) return "forbidden";
  /* Telemedicine: never, whatever the visit type table or a setting says. */
  if (!strcmp(visit_type, "telemedicine")) return "forbidden";
  if (!strcmp(type_monitoring, "allowed") && strcmp(visit_type, "legal") != 0) return "allowed";
  /* Legal: sight only, and only where the establishment chose it. */
  if (!strcmp(visit_type, "legal") && legal_sight_on == 1) return "video_only";
  return "forbidden";
}

int book_sight_audio_grant(const char *monitoring, int is_monitor) {
  if (!is_monitor) return 1;
  return monitoring && !strcmp(monitoring, "allowed");
}
