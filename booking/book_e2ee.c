#include "book_e2ee.h"

#include <string.h>

const char *book_e2ee_policy(const char *visit_type) {
  return visit_type && (strcmp(visit_type, "legal") == 0 || strcmp(visit_type, "telemedicine") == 0)
             ? "required"
             : "off";
}
