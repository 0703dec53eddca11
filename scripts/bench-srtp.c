/* bench-srtp: per-packet cost of libsrtp2's protect and unprotect with the
 * policies parlour-sfu uses (sfu/srtp_session.c: AES-CM-128/HMAC-SHA1-80
 * and AEAD-AES-128-GCM, replay window 1024, allow_repeat_tx), for the
 * libsrtp2 this program is linked against. scripts/bench-srtp builds it
 * once against Debian's libsrtp2 (NSS) and once against the project-local
 * OpenSSL build made by scripts/install-deps, and runs both.
 *
 * Usage: bench-srtp [packets] [payload-bytes]
 * Prints one JSON line per (suite, operation): ns per packet (CPU time of
 * this thread, so a busy machine inflates it less than wall time would). */
#include <srtp2/srtp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TRAILER 148

static double cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int make(srtp_t *s, int gcm, const uint8_t *key, int inbound) {
  srtp_policy_t p;
  memset(&p, 0, sizeof p);
  if (gcm) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
  } else {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
  }
  p.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
  p.key = (unsigned char *)key;
  p.window_size = 1024;
  p.allow_repeat_tx = 1;
  return srtp_create(s, &p) == srtp_err_status_ok ? 0 : -1;
}

static void fill_rtp(uint8_t *b, uint16_t seq, uint32_t ts, size_t payload) {
  b[0] = 0x80;
  b[1] = 96;
  b[2] = (uint8_t)(seq >> 8);
  b[3] = (uint8_t)seq;
  b[4] = (uint8_t)(ts >> 24);
  b[5] = (uint8_t)(ts >> 16);
  b[6] = (uint8_t)(ts >> 8);
  b[7] = (uint8_t)ts;
  b[8] = 0x11;
  b[9] = 0x22;
  b[10] = 0x33;
  b[11] = 0x44;
  memset(b + 12, 0xab, payload);
}

static int run(int gcm, long packets, size_t payload) {
  uint8_t key[46];
  for (size_t i = 0; i < sizeof key; i++) key[i] = (uint8_t)(i * 7 + 3);
  srtp_t out, in;
  if (make(&out, gcm, key, 0) != 0 || make(&in, gcm, key, 1) != 0) {
    fprintf(stderr, "bench-srtp: srtp_create failed\n");
    return -1;
  }
  size_t len = 12 + payload;
  /* A ring of protected packets so unprotect is timed on its own. */
  enum { RING = 256 };
  uint8_t(*ring)[1500 + TRAILER] = malloc(RING * sizeof *ring);
  int lens[RING];
  double prot = 0, unprot = 0;
  long done = 0;
  uint16_t seq = 1;
  while (done < packets) {
    int n = packets - done < RING ? (int)(packets - done) : RING;
    double t0 = cpu_ns();
    for (int i = 0; i < n; i++) {
      fill_rtp(ring[i], seq, (uint32_t)seq * 3000u, payload);
      seq++;
      lens[i] = (int)len;
      if (srtp_protect(out, ring[i], &lens[i]) != srtp_err_status_ok) {
        fprintf(stderr, "bench-srtp: protect failed\n");
        return -1;
      }
    }
    double t1 = cpu_ns();
    for (int i = 0; i < n; i++) {
      if (srtp_unprotect(in, ring[i], &lens[i]) != srtp_err_status_ok || lens[i] != (int)len) {
        fprintf(stderr, "bench-srtp: unprotect failed\n");
        return -1;
      }
    }
    double t2 = cpu_ns();
    prot += t1 - t0;
    unprot += t2 - t1;
    done += n;
  }
  /* fill_rtp is inside the protect timing; subtract its cost. */
  double f0 = cpu_ns();
  for (long i = 0; i < packets; i++) fill_rtp(ring[i % RING], (uint16_t)i, (uint32_t)i, payload);
  double fill = cpu_ns() - f0;
  const char *suite = gcm ? "AEAD_AES_128_GCM" : "AES_CM_128_HMAC_SHA1_80";
  printf("{\"suite\":\"%s\",\"op\":\"protect\",\"payload\":%zu,\"packets\":%ld,\"ns_per_packet\":%.0f}\n",
         suite, payload, packets, (prot - fill) / (double)packets);
  printf("{\"suite\":\"%s\",\"op\":\"unprotect\",\"payload\":%zu,\"packets\":%ld,\"ns_per_packet\":%.0f}\n",
         suite, payload, packets, unprot / (double)packets);
  free(ring);
  srtp_dealloc(out);
  srtp_dealloc(in);
  return 0;
}

int main(int argc, char **argv) {
  long packets = argc > 1 ? atol(argv[1]) : 200000;
  long payload = argc > 2 ? atol(argv[2]) : 1100;
  if (packets <= 0 || payload < 0 || payload > 1400) {
    fprintf(stderr, "usage: bench-srtp [packets>0] [payload-bytes 0..1400]\n");
    return 2;
  }
  if (srtp_init() != srtp_err_status_ok) return 1;
  if (run(0, packets, (size_t)payload) != 0 || run(1, packets, (size_t)payload) != 0) return 1;
  return 0;
}
