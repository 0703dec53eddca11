/* parlour-faces' settings (faces.ini; docs/configuration.md). */
#ifndef PARLOUR_FACES_CONFIG_H
#define PARLOUR_FACES_CONFIG_H

#include "config.h"

typedef struct {
  char *listen_address; /* UDP: the SFU's taps send here */
  int listen_port;
  char *report_to;      /* host:port (UDP) of signalling's [faces] listener */
  int fps;              /* frames analysed per second per stream */
  char *cascade;        /* Haar cascade file */
  int min_neighbors;
  int min_face_px;
  int scale_factor_pct; /* 110..200: detector's scale step, in percent */
  int idle_s;           /* a stream without packets this long is dropped */
  int log_level;
} FacesConfig;

extern const ConfigOption faces_config_options[];
int faces_config_validate(const void *config, const char *path, char *err, size_t errsize);

#endif
