/* The analyser's datagrams (common/faces_wire.c): round trip, and every
 * malformed header refused; the address check of its settings. */
#include <glib.h>
#include <string.h>

#include "faces_wire.h"

static const uint8_t RTP[12] = {0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2};

static void test_round_trip(void) {
  uint8_t buf[600];
  size_t n = faces_wire_build(buf, sizeof buf, false, "visit-1", "v1:a", RTP, sizeof RTP);
  g_assert_cmpuint(n, ==, 4 + 1 + 7 + 1 + 4 + 12);
  FacesWireMsg m;
  g_assert_true(faces_wire_parse(buf, n, &m));
  g_assert_false(m.keyframe);
  g_assert_cmpstr(m.room, ==, "visit-1");
  g_assert_cmpstr(m.participant, ==, "v1:a");
  g_assert_cmpuint(m.rtp_len, ==, sizeof RTP);
  g_assert_cmpmem(m.rtp, m.rtp_len, RTP, sizeof RTP);
  n = faces_wire_build(buf, sizeof buf, true, "visit-1", "v1", RTP, sizeof RTP);
  g_assert_true(faces_wire_parse(buf, n, &m));
  g_assert_true(m.keyframe);
  g_assert_cmpuint(m.rtp_len, ==, 0);
}

static void test_bad(void) {
  uint8_t buf[600];
  FacesWireMsg m;
  g_assert_false(faces_wire_parse(NULL, 0, &m));
  g_assert_false(faces_wire_parse((const uint8_t *)"PFR1", 4, &m));
  g_assert_false(faces_wire_parse((const uint8_t *)"XXXX\x01r\x01p", 8, &m));
  /* names: empty, bad character, too long, length past the end */
  g_assert_cmpuint(faces_wire_build(buf, sizeof buf, true, "", "p", NULL, 0), ==, 0);
  g_assert_cmpuint(faces_wire_build(buf, sizeof buf, true, "r", "p q", NULL, 0), ==, 0);
  char longname[200];
  memset(longname, 'a', sizeof longname - 1);
  longname[sizeof longname - 1] = 0;
  g_assert_cmpuint(faces_wire_build(buf, sizeof buf, true, longname, "p", NULL, 0), ==, 0);
  size_t n = faces_wire_build(buf, sizeof buf, false, "room", "part", RTP, sizeof RTP);
  for (size_t cut = 0; cut < n; cut++) g_assert_false(faces_wire_parse(buf, cut, &m));
  buf[4] = 200; /* room length past the end */
  g_assert_false(faces_wire_parse(buf, n, &m));
  n = faces_wire_build(buf, sizeof buf, false, "room", "part", RTP, sizeof RTP);
  buf[4 + 1 + 4 + 1 + 4] = 0x40; /* RTP version 1 */
  g_assert_false(faces_wire_parse(buf, n, &m));
  /* a keyframe request carrying a payload */
  n = faces_wire_build(buf, sizeof buf, true, "room", "part", NULL, 0);
  buf[n++] = 1;
  g_assert_false(faces_wire_parse(buf, n, &m));
  /* too small a buffer to build into */
  g_assert_cmpuint(faces_wire_build(buf, 10, false, "room", "part", RTP, sizeof RTP), ==, 0);
}

static void test_hostport(void) {
  g_assert_true(faces_wire_hostport_ok("127.0.0.1:8460"));
  g_assert_true(faces_wire_hostport_ok("[::1]:8460"));
  g_assert_false(faces_wire_hostport_ok(NULL));
  g_assert_false(faces_wire_hostport_ok(""));
  g_assert_false(faces_wire_hostport_ok("localhost:8460"));
  g_assert_false(faces_wire_hostport_ok("127.0.0.1"));
  g_assert_false(faces_wire_hostport_ok("127.0.0.1:"));
  g_assert_false(faces_wire_hostport_ok("127.0.0.1:0"));
  g_assert_false(faces_wire_hostport_ok("127.0.0.1:70000"));
  g_assert_false(faces_wire_hostport_ok("127.0.0.1:80x"));
  g_assert_false(faces_wire_hostport_ok(":80"));
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/faces_wire/round_trip", test_round_trip);
  g_test_add_func("/faces_wire/bad", test_bad);
  g_test_add_func("/faces_wire/hostport", test_hostport);
  return g_test_run();
}
