/* sfu_config_validate: every check on the SFU's settings that needs no port
 * bound, run by --check-config and start-up alike (DaemonInfo.validate).
 * The control port and the media ports are only known by binding them:
 * start-up (and, for media ports, each new session). */
#include <glib.h>

#include "config_check.h"
#include "faces_wire.h"
#include "sfu_config.h"

int sfu_config_validate(const void *config, const char *path, char *err, size_t errsize) {
  const SfuConfig *cfg = config;
  char why[512];
  if (cfg->media_port_min > cfg->media_port_max) {
    config_format_error(err, errsize, path, "media", "port_min", "%d is above port_max %d",
                        cfg->media_port_min, cfg->media_port_max);
    return -1;
  }
  if (!cfg->ice_addresses || !cfg->ice_addresses[0]) {
    config_format_error(err, errsize, path, "media", "ice_addresses", "no address given");
    return -1;
  }
  for (char **a = cfg->ice_addresses; *a; a++)
    if (!g_hostname_is_ip_address(*a)) {
      config_format_error(err, errsize, path, "media", "ice_addresses",
                          "%s is not an IP address", *a);
      return -1;
    }
  if (config_check_secret_file(cfg->control_secret_file, why, sizeof why) != 0) {
    config_format_error(err, errsize, path, "control", "secret_file", "%s", why);
    return -1;
  }
  /* Recordings are written when a recordable call starts; a directory that
   * cannot be made or written would lose them then, so refuse now. */
  if (config_check_dir_writable(cfg->recording_dir, why, sizeof why) != 0) {
    config_format_error(err, errsize, path, "recording", "directory", "%s", why);
    return -1;
  }
  /* [metrics] token_file: optional; named, it must be a secret like the others. */
  if (cfg->metrics_token_file && *cfg->metrics_token_file &&
      config_check_secret_file(cfg->metrics_token_file, why, sizeof why) != 0) {
    config_format_error(err, errsize, path, "metrics", "token_file", "%s", why);
    return -1;
  }
  if (cfg->faces_analyser && *cfg->faces_analyser && !faces_wire_hostport_ok(cfg->faces_analyser)) {
    config_format_error(err, errsize, path, "faces", "analyser",
                        "must be a numeric address and port, e.g. 127.0.0.1:8460");
    return -1;
  }
  return 0;
}
