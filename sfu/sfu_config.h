/* parlour-sfu settings; the table in sfu_config.c is the one source of
 * names, defaults and help (configs/sfu.ini mirrors it). */
#ifndef PARLOUR_SFU_CONFIG_H
#define PARLOUR_SFU_CONFIG_H

#include "config.h"

typedef struct {
  char *control_address;
  int control_port;
  char *control_secret_file;
  int media_port_min;
  int media_port_max;
  char **ice_addresses;
  int workers;
  int publisher_twcc;
  int batch_us;
  int udp_pump;
  int udp_gso;
  char *recording_dir;
  char *faces_analyser;
  char *metrics_token_file;
  int log_level;
} SfuConfig;

extern const ConfigOption sfu_config_options[];

/* Every check on cfg that needs no port bound (media port range, ICE
 * addresses, control secret, recording directory); --check-config and
 * start-up both run it through DaemonInfo.validate. 0, or -1 with the
 * one-line "config FILE: [group] key: problem" in err. */
int sfu_config_validate(const void *cfg, const char *path, char *err, size_t errsize);

#endif
