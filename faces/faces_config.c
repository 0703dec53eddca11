#include "faces_config.h"
#include "faces_wire.h"

#include <glib.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define O(f) offsetof(FacesConfig, f)
const ConfigOption faces_config_options[] = {
    {"analyser", "listen_address", CONFIG_STRING, "127.0.0.1", O(listen_address), 0, 0,
     "UDP address the SFU nodes' taps send visitors' lowest video layer to (loopback or a "
     "private link: the packets are decrypted media)"},
    {"analyser", "listen_port", CONFIG_INT, "8460", O(listen_port), 1, 65535,
     "UDP port of the tap (the SFU's [faces] analyser points here)"},
    {"analyser", "report_to", CONFIG_STRING, "127.0.0.1:8461", O(report_to), 0, 0,
     "host:port (UDP) of signalling's [faces] listener: face counts and snapshots go there"},
    {"analyser", "fps", CONFIG_INT, "4", O(fps), 1, 15,
     "frames analysed per second per device; the others are dropped before the detector"},
    {"detector", "cascade", CONFIG_STRING,
     "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml", O(cascade), 0, 0,
     "OpenCV Haar cascade for frontal faces (Debian's opencv-data)"},
    {"detector", "min_neighbors", CONFIG_INT, "5", O(min_neighbors), 1, 20,
     "detections that must overlap to count as a face (higher: fewer false faces, more missed; docs/faces.md: thresholds)"},
    {"detector", "min_face_px", CONFIG_INT, "24", O(min_face_px), 12, 200,
     "smallest face, in pixels of the analysed (lowest) layer"},
    {"detector", "scale_factor_pct", CONFIG_INT, "120", O(scale_factor_pct), 110, 200,
     "the detector's scale step between passes, in percent"},
    {"analyser", "idle_s", CONFIG_INT, "10", O(idle_s), 2, 600,
     "a device's stream without packets this long is dropped (its pipeline freed)"},
    {"log", "level", CONFIG_LOGLEVEL, "info", O(log_level), 0, 0, "debug, info, warn or error"},
    {0},
};

int faces_config_validate(const void *config, const char *path, char *err, size_t errsize) {
  const FacesConfig *c = config;
  if (!faces_wire_hostport_ok(c->report_to)) {
    config_format_error(err, errsize, path ? path : "(defaults)", "analyser", "report_to",
                        "must be a numeric address and port, e.g. 127.0.0.1:8461");
    return -1;
  }
  if (!c->cascade || !g_file_test(c->cascade, G_FILE_TEST_IS_REGULAR)) {
    config_format_error(err, errsize, path ? path : "(defaults)", "detector", "cascade",
                        "no such file (apt-get install opencv-data)");
    return -1;
  }
  return 0;
}
