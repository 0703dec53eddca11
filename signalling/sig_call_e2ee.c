#include "sig_call_e2ee.h"

#include <string.h>

gboolean sig_e2ee_policy(const char *visit_type, const char *claim, gboolean *required) {
  gboolean floor = visit_type && (strcmp(visit_type, "legal") == 0 ||
                                  strcmp(visit_type, "telemedicine") == 0);
  *required = floor;
  if (!claim) return TRUE;
  if (strcmp(claim, "required") == 0) *required = TRUE;
  else if (strcmp(claim, "off") != 0) return FALSE;
  return TRUE;
}

const char *sig_e2ee_join_refusal(gboolean required, gboolean announced) {
  return required && !announced ? "e2ee_required" : NULL;
}
