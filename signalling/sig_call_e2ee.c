#include "sig_call_e2ee.h"

#include <string.h>

int sig_e2ee_policy(const char *visit_type, const char *claim, int *required) {
  int floor = visit_type && (strcmp(visit_type, "legal") == 0 ||
                                  strcmp(visit_type, "telemedicine") == 0);
  *required = floor;
  if (!claim) return 1;
  if (strcmp(claim, "required") == 0) *required = 1;
  else if (strcmp(claim, "off") != 0) return 0;
  return 1;
}

const char *sig_e2ee_join_refusal(int required, int announced) {
  return required && !announced ? "e2ee_required" : NULL;
}
