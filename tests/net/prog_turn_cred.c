/* prog_turn_cred SECRET_FILE USER TTL_S [NOW_UNIX]: print "username
 * credential" minted by common/turn_rest (the code signalling uses), for the
 * TURN tests to hand to coturn's client. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "turn_rest.h"

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: prog_turn_cred SECRET_FILE USER TTL_S [NOW_UNIX]\n");
    return 2;
  }
  char *secret = NULL;
  gsize len = 0;
  if (!g_file_get_contents(argv[1], &secret, &len, NULL)) {
    fprintf(stderr, "prog_turn_cred: cannot read %s\n", argv[1]);
    return 2;
  }
  g_strchomp(secret);
  int64_t now = argc > 4 ? g_ascii_strtoll(argv[4], NULL, 10) : g_get_real_time() / G_USEC_PER_SEC;
  TurnCredential c;
  if (turn_rest_mint(secret, strlen(secret), argv[2], now, g_ascii_strtoll(argv[3], NULL, 10), &c) != 0) {
    fprintf(stderr, "prog_turn_cred: bad arguments\n");
    g_free(secret);
    return 2;
  }
  printf("%s %s\n", c.username, c.credential);
  turn_rest_clear(&c);
  g_free(secret);
  return 0;
}
