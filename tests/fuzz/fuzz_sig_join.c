/* Fuzz harness: signalling's admission check, signalling/sig_join.c
 * sig_join_check() (key id, token_verify, visit window, claims: role,
 * grants, policy, room), the stable entry point of signalling's join
 * handling. Inputs as in fuzz_jwt.h; the room asked for is "visit-1" and
 * "now" comes from the input's last byte, around the seeds' visit window.
 * Checked: an identity comes back only for the room asked for, with a
 * valid role; a refusal always names one error code. */
#include "fuzz_jwt.h"

#include "sig_join.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_jwt_init();
  char *token = fuzz_jwt_token(data, size);
  if (!token) return 0;
  SigJoinPolicy pol = {.pub = fuzz_key,
                       .kid = FUZZ_KID,
                       .expect = {.issuer = "parlour-booking", .audience = "parlour-signal", .leeway_s = 30},
                       .early_join_s = 900};
  int64_t now = 1800000000 + ((int64_t)data[size - 1] - 128) * 60;
  SigJoinError err;
  memset(&err, 0, sizeof err);
  SigIdentity *id = sig_join_check(&pol, token, "visit-1", now, &err);
  if (id) {
    FUZZ_CHECK(g_strcmp0(id->room, "visit-1") == 0);
    FUZZ_CHECK(id->role && sig_role_valid(id->role));
    FUZZ_CHECK(id->participant != NULL);
    SigIdentity *copy = sig_identity_copy(id);
    FUZZ_CHECK(copy && g_strcmp0(copy->participant, id->participant) == 0);
    sig_identity_free(copy);
    sig_identity_free(id);
  } else {
    FUZZ_CHECK(err.code != NULL && err.code[0] != '\0');
    FUZZ_CHECK(memchr(err.message, '\0', sizeof err.message) != NULL);
  }
  g_free(token);
  return 0;
}
