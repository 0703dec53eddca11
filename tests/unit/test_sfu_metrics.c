/* sfu/sfu_metrics: ICE/DTLS failures are counted from the events on their
 * way to signalling, by reason from a fixed set (an unexpected reason is
 * "other", never its text); other events are ignored. (The scrape-time
 * reading of the rooms is tested end to end by
 * tests/signalling/test-signal-metrics.mjs.) */
#include <glib.h>
#include <string.h>

#include "metrics.h"
#include "sfu_metrics.h"

/* The value of the sample line "name value", -1 when there is none. */
static double series(const char *text, const char *name) {
  char *line = g_strdup_printf("\n%s ", name);
  const char *p = strstr(text, line);
  double v = p ? g_ascii_strtod(p + strlen(line), NULL) : -1;
  g_free(line);
  return v;
}

static void t_disconnect_events(void) {
  sfu_metrics_init(NULL, 0); /* no workers: the scrape reads no room */
  sfu_metrics_on_event("{\"type\":\"event\",\"event\":\"participant_disconnected\",\"room\":\"r\","
                       "\"participant\":\"p\",\"reason\":\"ice_failed\"}");
  sfu_metrics_on_event("{\"type\":\"event\",\"event\":\"participant_disconnected\",\"room\":\"r\","
                       "\"participant\":\"q\",\"reason\":\"dtls_failed\"}");
  sfu_metrics_on_event("{\"type\":\"event\",\"event\":\"participant_disconnected\",\"room\":\"r\","
                       "\"participant\":\"q\",\"reason\":\"ice_failed\"}");
  sfu_metrics_on_event("{\"type\":\"event\",\"event\":\"participant_disconnected\",\"room\":\"r\","
                       "\"participant\":\"s\",\"reason\":\"visit-123 \\\"weird\\\"\"}");
  sfu_metrics_on_event("{\"type\":\"event\",\"event\":\"transport_state\",\"room\":\"r\","
                       "\"participant\":\"p\",\"state\":\"failed\"}");
  sfu_metrics_on_event("not json \"participant_disconnected\"");
  sfu_metrics_control_connections(3);
  char *t = metrics_render(metrics_default(), NULL);
  g_assert_cmpfloat(series(t, "sfu_participant_disconnects_total{reason=\"ice_failed\"}"), ==, 2);
  g_assert_cmpfloat(series(t, "sfu_participant_disconnects_total{reason=\"dtls_failed\"}"), ==, 1);
  /* The unparsable one has no reason: "other" too. */
  g_assert_cmpfloat(series(t, "sfu_participant_disconnects_total{reason=\"other\"}"), ==, 2);
  g_assert_null(strstr(t, "weird"));
  g_assert_null(strstr(t, "visit-123"));
  g_assert_cmpfloat(series(t, "sfu_control_connections"), ==, 3);
  g_assert_cmpfloat(series(t, "sfu_workers"), ==, 0);
  g_free(t);
  sfu_metrics_shutdown();
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sfu/metrics/disconnect_events", t_disconnect_events);
  return g_test_run();
}
