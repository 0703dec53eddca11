/* Fuzz harness: configuration files through common/config.c config_load()
 * (GLib's GKeyFile, then every value against the option table), with the
 * real option tables of the three daemons. Input: first byte picks the
 * daemon, the rest is the file's contents, written to a memfd whose
 * /proc/self/fd path is what config_load() opens (as a daemon opens its
 * --config file). Checked: success or one error line naming the file;
 * either way config_free() releases what was read. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

#include "booking_config.h"
#include "config.h"
#include "sfu_config.h"
#include "signal_config.h"

static int fd = -1;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 65536) return 0;
  if (fd < 0) {
    fd = memfd_create("fuzz-config", 0);
    if (fd < 0) abort();
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  }
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data + 1, size - 1, 0) != (ssize_t)(size - 1)) abort();
  union {
    SfuConfig sfu;
    SignalConfig sig;
    BookingConfig book;
  } out;
  const ConfigOption *opts = data[0] % 3 == 0   ? sfu_config_options
                             : data[0] % 3 == 1 ? signal_config_options
                                                : booking_config_options;
  char err[512];
  err[0] = '\0';
  memset(&out, 0, sizeof out);
  int rc = config_load(path, opts, &out, err, sizeof err);
  if (rc != 0) {
    FUZZ_CHECK(rc == -1);
    FUZZ_CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
  }
  config_free(opts, &out);
  return 0;
}
