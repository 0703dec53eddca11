/* Shared bits of the libFuzzer harnesses in tests/fuzz/ (docs/testing.md).
 * Each harness drives the project's real parsing code, linked from the
 * component libraries of the fuzz build (make FUZZ=1, build-fuzz/). */
#ifndef PARLOUR_FUZZ_H
#define PARLOUR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An invariant of the code under test is broken: report it and abort, which
 * libFuzzer keeps as a crash like any sanitizer finding. */
#define FUZZ_CHECK(cond)                                                               \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);     \
      abort();                                                                         \
    }                                                                                  \
  } while (0)

/* A NUL-terminated heap copy of exactly len + 1 bytes, so ASan sees any read
 * past the text's end. free() it. */
static inline char *fuzz_strndup(const uint8_t *data, size_t len) {
  char *s = malloc(len + 1);
  if (!s) abort();
  if (len) memcpy(s, data, len);
  s[len] = '\0';
  return s;
}

/* A heap copy of exactly len bytes (at least one allocated byte). */
static inline uint8_t *fuzz_memdup(const uint8_t *data, size_t len) {
  uint8_t *b = malloc(len ? len : 1);
  if (!b) abort();
  if (len) memcpy(b, data, len);
  return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
