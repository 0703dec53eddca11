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
  char *recording_dir;
  int log_level;
} SfuConfig;

extern const ConfigOption sfu_config_options[];

#endif
