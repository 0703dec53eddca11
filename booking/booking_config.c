#include "booking_config.h"

#include <stddef.h>

#define O(f) offsetof(BookingConfig, f)
const ConfigOption booking_config_options[] = {
    {"server", "address", CONFIG_STRING, "127.0.0.1", O(address), 0, 0,
     "address for the pages and /api/v1"},
    {"server", "port", CONFIG_INT, "8443", O(port), 0, 65535, "HTTPS port"},
    {"server", "tls_cert", CONFIG_STRING, "var/tls/cert.pem", O(tls_cert), 0, 0,
     "PEM certificate chain; empty for plain HTTP (tests only)"},
    {"server", "tls_key", CONFIG_STRING, "var/tls/key.pem", O(tls_key), 0, 0,
     "PEM private key of the certificate"},
    {"server", "client_dir", CONFIG_STRING, "client-web", O(client_dir), 0, 0,
     "directory of the web client served at /"},
    {"database", "path", CONFIG_STRING, "var/parlour.db", O(db_path), 0, 0,
     "sqlite database file (created and migrated at start)"},
    {"tokens", "private_key", CONFIG_STRING, "var/keys/token-private.pem",
     O(token_private_key), 0, 0, "Ed25519 private key (PEM) that signs join tokens"},
    {"tokens", "issuer", CONFIG_STRING, "parlour-booking", O(token_issuer), 0, 0,
     "iss of the join tokens"},
    {"tokens", "audience", CONFIG_STRING, "parlour-signal", O(token_audience), 0, 0,
     "aud of the join tokens"},
    {"tokens", "signal_url", CONFIG_STRING, "wss://127.0.0.1:8444/ws", O(signal_url), 0, 0,
     "signalling URL handed to clients with their join token"},
    {"service", "credential_file", CONFIG_STRING, "var/secrets/signal-booking.secret",
     O(service_credential_file), 0, 0, "credential signalling presents on the internal API"},
    {"demo", "enabled", CONFIG_BOOL, "false", O(demo), 0, 0,
     "seed the demo establishment, people and sign-ins into an empty database"},
    {"recording", "directory", CONFIG_STRING, "var/recordings", O(recording_dir), 0, 0,
     "where the SFU writes recordings (booking serves them to reviewers)"},
    {"recording", "retention_days", CONFIG_INT, "90", O(retention_days), 1, 3650,
     "days a recording is kept unless a reviewer records a reason to keep it"},
    {"log", "level", CONFIG_LOGLEVEL, "info", O(log_level), 0, 0,
     "debug, info, warn or error"},
    {0},
};
