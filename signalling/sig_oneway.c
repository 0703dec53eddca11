/* sig_oneway: see sig_oneway.h. */
#include "sig_oneway.h"

#include <string.h>

static const char *const names[] = {
    [SIG_ONEWAY_OFF] = "off",
    [SIG_ONEWAY_PRISONER_SEES_NO_VIDEO] = "prisoner_sees_no_video",
    [SIG_ONEWAY_VISITORS_SEE_NO_VIDEO] = "visitors_see_no_video",
};

int sig_oneway_parse(const char *s, SigOneWay *out) {
  if (!s) {
    *out = SIG_ONEWAY_OFF;
    return 0;
  }
  for (unsigned i = 0; i < G_N_ELEMENTS(names); i++)
    if (strcmp(s, names[i]) == 0) {
      *out = (SigOneWay)i;
      return 0;
    }
  return -1;
}

const char *sig_oneway_name(SigOneWay w) {
  return (unsigned)w < G_N_ELEMENTS(names) ? names[w] : "off";
}

gboolean sig_oneway_receives_video(SigOneWay w, const char *role, gboolean hidden) {
  if (!role) return w == SIG_ONEWAY_OFF; /* no role to judge under one-way: fail safe */
  if (hidden) return TRUE;               /* staff monitors see what they may */
  switch (w) {
    case SIG_ONEWAY_OFF:
      return TRUE;
    case SIG_ONEWAY_PRISONER_SEES_NO_VIDEO:
      return strcmp(role, "prisoner") != 0;
    case SIG_ONEWAY_VISITORS_SEE_NO_VIDEO:
      return strcmp(role, "visitor") != 0;
  }
  return FALSE; /* a value out of range: fail safe */
}
