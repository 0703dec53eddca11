/* The call core's rules for pinning a visit to one signalling instance
 * (sig_call_pin.h). */
#include "sig_call_pin.h"

static uint64_t fnv(uint64_t h, const char *s) {
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ULL;
  }
  return h;
}

uint64_t sig_pin_score(const char *url, const char *visit) {
  uint64_t h = fnv(14695981039346656037ULL, url);
  h = fnv(h, "\n");
  h = fnv(h, visit);
  /* splitmix64's finaliser: FNV's low bits alone spread poorly. */
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

void sig_pin_rank(size_t n, const char *const *urls, const char *visit, size_t *order) {
  uint64_t score[SIG_PIN_MAX];
  if (n > SIG_PIN_MAX) n = SIG_PIN_MAX;
  for (size_t i = 0; i < n; i++) {
    order[i] = i;
    score[i] = sig_pin_score(urls[i], visit);
  }
  /* insertion sort: a handful of instances */
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0; j--) {
      size_t a = order[j - 1], b = order[j];
      if (score[b] > score[a] || (score[b] == score[a] && b < a)) {
        order[j - 1] = b;
        order[j] = a;
      } else {
        break;
      }
    }
}

SigPin sig_pin_owner(size_t n, const SigPinPeer *peers, const char *visit) {
  if (n > SIG_PIN_MAX) n = SIG_PIN_MAX;
  for (size_t i = 0; i < n; i++)
    if (!peers[i].self && peers[i].state == SIG_PEER_UP && peers[i].holds)
      return (SigPin){SIG_PIN_THERE, i};
  const char *urls[SIG_PIN_MAX] = {0};
  size_t order[SIG_PIN_MAX];
  for (size_t i = 0; i < n; i++) urls[i] = peers[i].url;
  sig_pin_rank(n, urls, visit, order);
  for (size_t k = 0; k < n; k++) {
    const SigPinPeer *p = &peers[order[k]];
    if (p->self) break;
    if (p->state == SIG_PEER_UP) return (SigPin){SIG_PIN_THERE, order[k]};
    if (p->state == SIG_PEER_UNKNOWN) return (SigPin){SIG_PIN_WAIT, order[k]};
  }
  return (SigPin){SIG_PIN_HERE, 0};
}
