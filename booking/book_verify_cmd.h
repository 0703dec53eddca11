/* parlour-booking --verify-audit [--establishment ID | --chain ID|*]
 * [--no-files] [--json] [--anchor FILE] (book_verify_cmd.c;
 * docs/deployment.md). */
#ifndef PARLOUR_BOOK_VERIFY_CMD_H
#define PARLOUR_BOOK_VERIFY_CMD_H

#include "booking_config.h"

typedef struct {
  int verify;         /* --verify-audit given */
  const char *chain;  /* --establishment / --chain; NULL: every chain */
  int files;          /* hash the recordings' files (not with --no-files) */
  int json;           /* print the report as JSON */
  const char *anchor; /* --anchor FILE: heads kept from an earlier run */
} BookVerifyArgs;

/* Takes the verifier's options out of argv (the rest stay for
 * daemon_init). -1 when they are malformed or given without --verify-audit. */
int book_verify_cmd_args(int *argc, char **argv, BookVerifyArgs *a);

/* Runs the verifier on cfg's database; the process's exit code: 0 intact,
 * 1 a fault (named on stdout), 2 could not check. */
int book_verify_cmd_run(const BookingConfig *cfg, const BookVerifyArgs *a);

#endif
