/* Which participants the unexpected-person analyser may look at, and the
 * shape of the analyser's reports (docs/faces.md). Pure, unit-tested in
 * tests/unit/test_signal_faces.c. */
#ifndef PARLOUR_SIG_FACES_POLICY_H
#define PARLOUR_SIG_FACES_POLICY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Only a visible, publishing visitor of a social call: never a legal,
 * probation or telemedicine call, never the prisoner, never staff. */
bool sig_faces_may_analyse(const char *visit_type, const char *role, bool hidden, bool publish);

typedef enum { SIG_FACES_BAD = 0, SIG_FACES_REPORT, SIG_FACES_ALIVE, SIG_FACES_SNAPSHOT } SigFacesKind;

typedef struct {
  SigFacesKind kind;
  const char *room, *participant; /* REPORT: borrowed from the parsed JSON */
  int faces;                      /* 0..64 */
  int64_t at_ms;
  const char *snapshot;           /* base64 JPEG (SNAPSHOT: required; REPORT: optional) */
  const char *why;                /* BAD: what was wrong */
} SigFacesReport;

/* Parses one datagram; *doc receives the parsed JSON (owning the strings),
 * to json_decref after use (NULL on a parse failure). */
SigFacesReport sig_faces_parse(const char *data, size_t len, json_t **doc);

/* A staff decision on an alert: "dismiss", "warn" or "end"; NULL if none. */
const char *sig_faces_action(const char *s);

#endif
