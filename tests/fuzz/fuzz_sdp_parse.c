/* Fuzz harness: a remote WebRTC description through the SFU's parser
 * (sfu/sdp_parse.c, on GStreamer's GstSDPMessage) and, when it is a valid
 * offer, through the answer the SFU writes for it (sfu/sdp_write.c).
 * Input: first byte's low bit chooses offer (1) or answer (0), the rest is
 * the SDP text. The parsed result is checked against sdp_parse.h's promises
 * (rid count and alphabet, required credentials on success). */
#include "fuzz.h"

#include <glib.h>

#include "sdp_parse.h"
#include "sdp_write.h"

static const char FP[] =
    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 200001) return 0;
  int is_offer = data[0] & 1;
  char *text = fuzz_strndup(data + 1, size - 1);
  char err[256];
  err[0] = '\0';
  SdpRemote *r = sdp_remote_parse(text, is_offer, err, sizeof err);
  if (!r) {
    FUZZ_CHECK(err[0] != '\0'); /* a refusal always says why */
    free(text);
    return 0;
  }
  FUZZ_CHECK(r->msg && r->media && r->candidates);
  int live = 0;
  for (guint i = 0; i < r->media->len; i++) {
    const SdpMediaInfo *mi = r->media->pdata[i];
    FUZZ_CHECK(mi->n_rids <= SDP_MAX_RIDS);
    for (unsigned k = 0; k < mi->n_rids; k++) {
      size_t n = strnlen(mi->rids[k], SDP_RID_MAX_LEN + 1);
      FUZZ_CHECK(n >= 1 && n <= SDP_RID_MAX_LEN);
      for (size_t j = 0; j < n; j++)
        FUZZ_CHECK(g_ascii_isalnum(mi->rids[k][j]) || mi->rids[k][j] == '_' || mi->rids[k][j] == '-');
    }
    FUZZ_CHECK(memchr(mi->codec.name, '\0', sizeof mi->codec.name) != NULL);
    (void)sdp_kind_name(mi->kind);
    if (mi->port != 0) {
      live++;
      FUZZ_CHECK(mi->mid != NULL);
    }
  }
  if (live > 0) FUZZ_CHECK(r->ufrag && r->pwd && r->fingerprint && r->setup && strlen(r->fingerprint) == 95);
  if (is_offer) {
    int n = (int)r->media->len;
    int *accepted = g_new0(int, n ? n : 1);
    for (int i = 0; i < n; i++) {
      const SdpMediaInfo *mi = r->media->pdata[i];
      accepted[i] = mi->port != 0 && mi->usable && mi->sends && mi->kind != SDP_KIND_OTHER;
      (void)sdp_write_accepts_twcc(mi);
    }
    char *cands[] = {"candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host", NULL};
    SdpLocal local = {.ufrag = "abcd", .pwd = "0123456789abcdefghijklmn", .fingerprint = FP,
                      .setup = "passive", .candidates = cands, .session_id = 1, .session_version = 2};
    char *answer = sdp_write_publisher_answer(r, &local, accepted);
    if (answer) {
      /* What we write must be an SDP: GStreamer reads it back. */
      GstSDPMessage *m = NULL;
      FUZZ_CHECK(gst_sdp_message_new_from_text(answer, &m) == GST_SDP_OK && m);
      gst_sdp_message_free(m);
    }
    g_free(answer);
    g_free(accepted);
  }
  sdp_remote_free(r);
  free(text);
  return 0;
}
