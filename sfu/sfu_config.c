#include "sfu_config.h"

#include <stddef.h>

#define O(f) offsetof(SfuConfig, f)
const ConfigOption sfu_config_options[] = {
    {"control", "address", CONFIG_STRING, "127.0.0.1", O(control_address), 0, 0,
     "address of the control websocket (keep it on loopback or a private link)"},
    {"control", "port", CONFIG_INT, "8445", O(control_port), 0, 65535,
     "port of the control websocket and /healthz"},
    {"control", "secret_file", CONFIG_STRING, "var/secrets/sfu-control.secret",
     O(control_secret_file), 0, 0, "file holding the shared secret signalling presents"},
    {"media", "port_min", CONFIG_INT, "40000", O(media_port_min), 1024, 65535,
     "lowest UDP port for ICE"},
    {"media", "port_max", CONFIG_INT, "40999", O(media_port_max), 1024, 65535,
     "highest UDP port for ICE"},
    {"media", "ice_addresses", CONFIG_STRLIST, "127.0.0.1", O(ice_addresses), 0, 0,
     "addresses to gather and advertise host candidates on, ';'-separated"},
    {"media", "workers", CONFIG_INT, "0", O(workers), 0, 64,
     "media worker threads; 0 means one per core"},
    {"media", "publisher_twcc", CONFIG_BOOL, "false", O(publisher_twcc), 0, 0,
     "accept transport-cc from publishers that offer it (feedback every 100 ms); off: REMB "
     "only (docs/media.md says why that is the default)"},
    {"media", "batch_us", CONFIG_INT, "500", O(batch_us), 0, 20000,
     "a worker wakes at most once per this many microseconds, so one poll serves many "
     "sockets (adds at most this much delay); 0 wakes on every packet"},
    {"media", "udp_pump", CONFIG_BOOL, "true", O(udp_pump), 0, 0,
     "once ICE has chosen a host UDP pair, read and write its socket in batches (recvmmsg, "
     "sendmmsg) instead of libnice's per-packet path; false is for measuring"},
    {"media", "udp_gso", CONFIG_BOOL, "false", O(udp_gso), 0, 0,
     "the batched path sends runs of same-size packets as one UDP GSO message (no gain "
     "measured here: docs/performance.md)"},
    {"recording", "directory", CONFIG_STRING, "var/recordings", O(recording_dir), 0, 0,
     "where recordable rooms write their files"},
    {"faces", "analyser", CONFIG_STRING, "", O(faces_analyser), 0, 0,
     "host:port (UDP, numeric) of parlour-faces: participants added with analyse get their "
     "lowest video layer copied there (docs/faces.md); empty: nothing is analysed"},
    {"metrics", "token_file", CONFIG_STRING, "", O(metrics_token_file), 0, 0,
     "bearer token Prometheus presents on GET /metrics; empty turns /metrics off"},
    {"log", "level", CONFIG_LOGLEVEL, "info", O(log_level), 0, 0,
     "debug, info, warn or error"},
    {0},
};
