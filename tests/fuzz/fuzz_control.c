/* Fuzz harness: one message on the SFU's control websocket
 * (docs/sfu-control.md), through what sfu/control.c's on_message does with
 * it before any room is touched: common/jsonutil.c jsonu_parse_object()
 * (duplicates refused, depth limited), the first-message auth check
 * (common/ids.c ids_secret_equal), then control_check_request() (id, type,
 * every field against the request table). on_message itself needs a live
 * websocket and workers, so the I/O part (reply, room registry, hand-off
 * to the worker) is not reached; the SDP a valid publish_offer or
 * subscriber_answer carries goes on to sfu/sdp_parse.c as the worker would
 * send it. Checked: an error reply always has a code; a valid request has
 * a known type, and every identifier field is within its alphabet. */
#include "fuzz.h"

#include <glib.h>

#include "control.h"
#include "ids.h"
#include "jsonutil.h"
#include "sdp_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 256 * 1024) return 0; /* the endpoint's max_message */
  char *text = fuzz_strndup(data, size);
  char err[256];
  json_t *msg = jsonu_parse_object(text, size, err, sizeof err);
  if (!msg) {
    free(text);
    return 0;
  }
  const char *secret = jsonu_str(msg, "secret");
  if (g_strcmp0(jsonu_str(msg, "type"), "auth") == 0 && secret)
    (void)ids_secret_equal(secret, "fuzz-control-secret-0123456789");
  const char *type = NULL;
  json_t *id = NULL;
  json_t *bad = control_check_request(msg, &type, &id);
  if (bad) {
    FUZZ_CHECK(type == NULL);
    FUZZ_CHECK(json_is_string(json_object_get(bad, "code")));
    char *dump = json_dumps(bad, JSON_COMPACT);
    FUZZ_CHECK(dump != NULL);
    free(dump);
    json_decref(bad);
  } else {
    FUZZ_CHECK(type != NULL && id != NULL);
    const char *room = jsonu_str(msg, "room");
    FUZZ_CHECK(room != NULL && strlen(room) >= 1 && strlen(room) <= 128);
    const char *sdp = jsonu_str(msg, "sdp");
    if (sdp && (strcmp(type, "publish_offer") == 0 || strcmp(type, "subscriber_answer") == 0)) {
      SdpRemote *r = sdp_remote_parse(sdp, strcmp(type, "publish_offer") == 0, err, sizeof err);
      sdp_remote_free(r);
    }
  }
  json_decref(msg);
  free(text);
  return 0;
}
