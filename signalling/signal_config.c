#include "signal_config.h"

#include <stddef.h>

#define O(f) offsetof(SignalConfig, f)
const ConfigOption signal_config_options[] = {
    {"server", "address", CONFIG_STRING, "127.0.0.1", O(address), 0, 0,
     "address browsers connect to (wss://ADDRESS:PORT/ws)"},
    {"server", "port", CONFIG_INT, "8444", O(port), 0, 65535, "port for /ws and /healthz"},
    {"server", "tls_cert", CONFIG_STRING, "var/tls/cert.pem", O(tls_cert), 0, 0,
     "PEM certificate chain; empty for plain ws (tests only)"},
    {"server", "tls_key", CONFIG_STRING, "var/tls/key.pem", O(tls_key), 0, 0,
     "PEM private key of the certificate"},
    {"server", "origins", CONFIG_STRLIST, "https://localhost:8443;https://127.0.0.1:8443",
     O(origins), 0, 0, "Origin values allowed to open /ws, ';'-separated"},
    {"tokens", "public_key", CONFIG_STRING, "var/keys/token-public.pem", O(token_public_key),
     0, 0, "booking's Ed25519 public key (PEM) that join tokens must verify with"},
    {"tokens", "issuer", CONFIG_STRING, "parlour-booking", O(token_issuer), 0, 0,
     "expected iss of join tokens"},
    {"tokens", "audience", CONFIG_STRING, "parlour-signal", O(token_audience), 0, 0,
     "expected aud of join tokens"},
    {"sfu", "nodes", CONFIG_STRLIST, "ws://127.0.0.1:8445/control", O(sfu_nodes), 0, 0,
     "SFU control URLs, ';'-separated; calls go to the least loaded healthy one"},
    {"sfu", "secret_file", CONFIG_STRING, "var/secrets/sfu-control.secret", O(sfu_secret_file),
     0, 0, "shared secret for the SFU control API"},
    {"booking", "url", CONFIG_STRING, "https://127.0.0.1:8443", O(booking_url), 0, 0,
     "booking's base URL for visit events"},
    {"booking", "credential_file", CONFIG_STRING, "var/secrets/signal-booking.secret",
     O(booking_credential_file), 0, 0, "service credential presented to booking"},
    {"booking", "ca_file", CONFIG_STRING, "var/tls/cert.pem", O(booking_ca_file), 0, 0,
     "CA (or the self-signed certificate) that booking's TLS certificate chains to"},
    {"booking", "spool_dir", CONFIG_STRING, "var/spool", O(spool_dir), 0, 0,
     "where events wait while booking is unreachable"},
    {"log", "level", CONFIG_LOGLEVEL, "info", O(log_level), 0, 0,
     "debug, info, warn or error"},
    {0},
};
