#include "sig_sightonly.h"

#include <string.h>

gboolean sig_sight_monitoring_parse(const char *mon, gboolean *allowed, gboolean *video_only) {
  *allowed = FALSE;
  *video_only = FALSE;
  if (!mon) return FALSE;
  if (!strcmp(mon, "allowed")) {
    *allowed = TRUE;
    return TRUE;
  }
  if (!strcmp(mon, "video_only")) {
    *allowed = TRUE;
    *video_only = TRUE;
    return TRUE;
  }
  return strcmp(mon, "forbidden") == 0;
}

gboolean sig_sight_audio_allowed(gboolean hidden, gboolean video_only, gboolean audio_grant) {
  if (!audio_grant) return FALSE;
  return !(hidden && video_only);
}

gboolean sig_sight_room_audio_private(const char *visit_type) {
  return visit_type && (!strcmp(visit_type, "legal") || !strcmp(visit_type, "telemedicine"));
}

/* One m= section from line to the next "m=" (or the end). */
static gboolean section_active(const char *sec, const char *end) {
  /* "m=audio 0 ..." is a rejected section */
  const char *port = sec + strlen("m=audio ");
  if (port < end && port[0] == '0' && (port[1] == ' ' || port[1] == '\r' || port[1] == '\n'))
    return FALSE;
  for (const char *l = sec; l && l < end; l = strchr(l, '\n')) {
    if (*l == '\n') l++;
    if (l >= end) break;
    if (!strncmp(l, "a=inactive", 10)) return FALSE;
  }
  return TRUE;
}

gboolean sig_sight_sdp_has_audio(const char *sdp) {
  if (!sdp || strncmp(sdp, "v=", 2) != 0) return TRUE;
  const char *p = sdp;
  while ((p = strstr(p, "m=")) != NULL) {
    if (p != sdp && p[-1] != '\n') {
      p += 2;
      continue;
    }
    const char *next = p + 2;
    while ((next = strstr(next, "m=")) != NULL && next[-1] != '\n') next += 2;
    const char *end = next ? next : p + strlen(p);
    if (!strncmp(p, "m=audio ", 8) && section_active(p, end)) return TRUE;
    p = end;
    if (!next) break;
  }
  return FALSE;
}
