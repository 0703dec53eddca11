/* Routing table of one room; see router.h for the contract. */
#include "router.h"

#include <string.h>

struct Router {
  GHashTable *tracks;   /* id -> RouterTrack* (owned) */
  GHashTable *by_ssrc;  /* incoming SSRC (media or RTX) -> RouterTrack* */
  GHashTable *by_out;   /* out SSRC -> RouterSubscription* */
};

const char *router_status_str(RouterStatus st) {
  switch (st) {
  case ROUTER_OK: return "ok";
  case ROUTER_ERR_ARG: return "bad_argument";
  case ROUTER_ERR_EXISTS: return "exists";
  case ROUTER_ERR_SSRC_IN_USE: return "ssrc_in_use";
  case ROUTER_ERR_NOT_FOUND: return "not_found";
  case ROUTER_ERR_NO_SPACE: return "no_space";
  }
  return "unknown";
}

static void sub_free(RouterSubscription *s) {
  if (s->user_destroy && s->user_data) s->user_destroy(s->user_data);
  g_free(s->subscriber);
  g_free(s);
}

static void track_free(gpointer p) {
  RouterTrack *t = p;
  for (guint i = 0; i < t->subs->len; i++) sub_free(g_ptr_array_index(t->subs, i));
  g_ptr_array_free(t->subs, TRUE);
  if (t->user_destroy && t->user_data) t->user_destroy(t->user_data);
  g_free(t->id);
  g_free(t->publisher);
  g_free(t->mid);
  g_free(t);
}

Router *router_new(void) {
  Router *r = g_new0(Router, 1);
  r->tracks = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, track_free);
  r->by_ssrc = g_hash_table_new(g_direct_hash, g_direct_equal);
  r->by_out = g_hash_table_new(g_direct_hash, g_direct_equal);
  return r;
}

void router_free(Router *r) {
  if (r == NULL) return;
  g_hash_table_destroy(r->by_ssrc);
  g_hash_table_destroy(r->by_out);
  g_hash_table_destroy(r->tracks); /* frees tracks and their subscriptions */
  g_free(r);
}

static bool ssrc_taken(const Router *r, uint32_t ssrc) {
  return ssrc != 0 && g_hash_table_contains(r->by_ssrc, GUINT_TO_POINTER(ssrc));
}

RouterStatus router_add_track(Router *r, const RouterTrackSpec *spec, RouterTrack **out) {
  if (out) *out = NULL;
  if (r == NULL || spec == NULL || spec->id == NULL || spec->id[0] == '\0' || spec->publisher == NULL ||
      spec->publisher[0] == '\0' || spec->n_layers == 0 || spec->n_layers > ROUTER_MAX_LAYERS ||
      spec->clock_rate == 0 || (spec->kind != ROUTER_KIND_AUDIO && spec->kind != ROUTER_KIND_VIDEO))
    return ROUTER_ERR_ARG;
  if (g_hash_table_contains(r->tracks, spec->id)) return ROUTER_ERR_EXISTS;
  /* Every non-zero SSRC must be new to the room and distinct in the spec. */
  uint32_t all[2 * ROUTER_MAX_LAYERS];
  unsigned n = 0;
  for (unsigned l = 0; l < spec->n_layers; l++) {
    all[n++] = spec->ssrcs[l];
    all[n++] = spec->rtx_ssrcs[l];
  }
  for (unsigned i = 0; i < n; i++) {
    if (all[i] == 0) continue;
    if (ssrc_taken(r, all[i])) return ROUTER_ERR_SSRC_IN_USE;
    for (unsigned j = i + 1; j < n; j++)
      if (all[j] == all[i]) return ROUTER_ERR_SSRC_IN_USE;
  }
  RouterTrack *t = g_new0(RouterTrack, 1);
  t->id = g_strdup(spec->id);
  t->publisher = g_strdup(spec->publisher);
  t->mid = g_strdup(spec->mid);
  t->kind = spec->kind;
  t->codec = spec->codec;
  t->clock_rate = spec->clock_rate;
  t->payload_type = spec->payload_type;
  t->n_layers = spec->n_layers;
  memcpy(t->ssrcs, spec->ssrcs, sizeof t->ssrcs);
  memcpy(t->rtx_ssrcs, spec->rtx_ssrcs, sizeof t->rtx_ssrcs);
  for (unsigned l = spec->n_layers; l < ROUTER_MAX_LAYERS; l++) t->ssrcs[l] = t->rtx_ssrcs[l] = 0;
  t->subs = g_ptr_array_new();
  t->user_data = spec->user_data;
  t->user_destroy = spec->user_destroy;
  g_hash_table_insert(r->tracks, t->id, t);
  for (unsigned i = 0; i < n; i++)
    if (all[i]) g_hash_table_insert(r->by_ssrc, GUINT_TO_POINTER(all[i]), t);
  if (out) *out = t;
  return ROUTER_OK;
}

RouterStatus router_remove_track(Router *r, const char *track_id) {
  if (r == NULL || track_id == NULL) return ROUTER_ERR_ARG;
  RouterTrack *t = g_hash_table_lookup(r->tracks, track_id);
  if (t == NULL) return ROUTER_ERR_NOT_FOUND;
  for (guint i = 0; i < t->subs->len; i++) {
    RouterSubscription *s = g_ptr_array_index(t->subs, i);
    g_hash_table_remove(r->by_out, GUINT_TO_POINTER(s->out_ssrc));
  }
  for (unsigned l = 0; l < t->n_layers; l++) {
    if (t->ssrcs[l]) g_hash_table_remove(r->by_ssrc, GUINT_TO_POINTER(t->ssrcs[l]));
    if (t->rtx_ssrcs[l]) g_hash_table_remove(r->by_ssrc, GUINT_TO_POINTER(t->rtx_ssrcs[l]));
  }
  g_hash_table_remove(r->tracks, track_id); /* track_free */
  return ROUTER_OK;
}

RouterStatus router_track_set_ssrc(Router *r, RouterTrack *t, unsigned layer, bool rtx, uint32_t ssrc) {
  if (r == NULL || t == NULL || layer >= t->n_layers) return ROUTER_ERR_ARG;
  uint32_t *slot = rtx ? &t->rtx_ssrcs[layer] : &t->ssrcs[layer];
  if (*slot == ssrc) return ROUTER_OK;
  if (ssrc_taken(r, ssrc)) return ROUTER_ERR_SSRC_IN_USE;
  if (*slot) g_hash_table_remove(r->by_ssrc, GUINT_TO_POINTER(*slot));
  *slot = ssrc;
  if (ssrc) g_hash_table_insert(r->by_ssrc, GUINT_TO_POINTER(ssrc), t);
  return ROUTER_OK;
}

RouterTrack *router_track_by_id(const Router *r, const char *track_id) {
  if (r == NULL || track_id == NULL) return NULL;
  return g_hash_table_lookup(r->tracks, track_id);
}

size_t router_track_count(const Router *r) { return r ? g_hash_table_size(r->tracks) : 0; }

void router_foreach_track(const Router *r, void (*fn)(RouterTrack *t, void *ud), void *ud) {
  if (r == NULL || fn == NULL) return;
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, r->tracks);
  while (g_hash_table_iter_next(&it, &k, &v)) fn(v, ud);
}

bool router_lookup_ssrc(const Router *r, uint32_t ssrc, RouterSsrcInfo *info) {
  if (r == NULL || ssrc == 0) return false;
  RouterTrack *t = g_hash_table_lookup(r->by_ssrc, GUINT_TO_POINTER(ssrc));
  if (t == NULL) return false;
  for (unsigned l = 0; l < t->n_layers; l++) {
    if (t->ssrcs[l] == ssrc || t->rtx_ssrcs[l] == ssrc) {
      if (info) {
        info->track = t;
        info->layer = l;
        info->is_rtx = t->rtx_ssrcs[l] == ssrc;
      }
      return true;
    }
  }
  return false; /* unreachable while the tables agree */
}

RouterSubscription *router_subscription_find(const Router *r, const char *subscriber, const char *track_id) {
  RouterTrack *t = router_track_by_id(r, track_id);
  if (t == NULL || subscriber == NULL) return NULL;
  for (guint i = 0; i < t->subs->len; i++) {
    RouterSubscription *s = g_ptr_array_index(t->subs, i);
    if (strcmp(s->subscriber, subscriber) == 0) return s;
  }
  return NULL;
}

RouterStatus router_subscribe(Router *r, const char *subscriber, const char *track_id, uint32_t out_ssrc,
                              uint16_t first_out_seq, uint32_t first_out_ts, RouterSubscription **out) {
  if (out) *out = NULL;
  if (r == NULL || subscriber == NULL || subscriber[0] == '\0' || track_id == NULL || out_ssrc == 0)
    return ROUTER_ERR_ARG;
  RouterTrack *t = router_track_by_id(r, track_id);
  if (t == NULL) return ROUTER_ERR_NOT_FOUND;
  if (router_subscription_find(r, subscriber, track_id)) return ROUTER_ERR_EXISTS;
  if (g_hash_table_contains(r->by_out, GUINT_TO_POINTER(out_ssrc))) return ROUTER_ERR_SSRC_IN_USE;
  RouterSubscription *s = g_new0(RouterSubscription, 1);
  s->subscriber = g_strdup(subscriber);
  s->track = t;
  s->out_ssrc = out_ssrc;
  seq_rewriter_init(&s->rw, out_ssrc, t->clock_rate, first_out_seq, first_out_ts);
  s->waiting_keyframe = t->kind == ROUTER_KIND_VIDEO;
  s->layer = s->target_layer = t->n_layers - 1;
  g_ptr_array_add(t->subs, s);
  g_hash_table_insert(r->by_out, GUINT_TO_POINTER(out_ssrc), s);
  if (out) *out = s;
  return ROUTER_OK;
}

static void detach_sub(Router *r, RouterSubscription *s) {
  g_hash_table_remove(r->by_out, GUINT_TO_POINTER(s->out_ssrc));
  g_ptr_array_remove(s->track->subs, s);
  sub_free(s);
}

RouterStatus router_unsubscribe(Router *r, const char *subscriber, const char *track_id) {
  if (r == NULL || subscriber == NULL || track_id == NULL) return ROUTER_ERR_ARG;
  RouterSubscription *s = router_subscription_find(r, subscriber, track_id);
  if (s == NULL) return ROUTER_ERR_NOT_FOUND;
  detach_sub(r, s);
  return ROUTER_OK;
}

RouterSubscription *router_subscription_by_out_ssrc(const Router *r, uint32_t out_ssrc) {
  if (r == NULL || out_ssrc == 0) return NULL;
  return g_hash_table_lookup(r->by_out, GUINT_TO_POINTER(out_ssrc));
}

RouterSubscription *const *router_track_subscriptions(const RouterTrack *t, size_t *n) {
  if (t == NULL) {
    if (n) *n = 0;
    return NULL;
  }
  if (n) *n = t->subs->len;
  return (RouterSubscription *const *)t->subs->pdata;
}

RouterStatus router_set_target_layer(Router *r, RouterSubscription *s, unsigned layer) {
  if (r == NULL || s == NULL || layer >= s->track->n_layers) return ROUTER_ERR_ARG;
  s->target_layer = layer;
  if (layer == s->layer) s->cut_over = false;
  return ROUTER_OK;
}

RouterStatus router_cut_over(Router *r, RouterSubscription *s) {
  if (r == NULL || s == NULL || s->target_layer == s->layer) return ROUTER_ERR_ARG;
  s->cut_over = true;
  return ROUTER_OK;
}

size_t router_remove_participant(Router *r, const char *participant) {
  if (r == NULL || participant == NULL) return 0;
  size_t removed = 0;
  GPtrArray *own = g_ptr_array_new_with_free_func(g_free);
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, r->tracks);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    RouterTrack *t = v;
    if (strcmp(t->publisher, participant) == 0) g_ptr_array_add(own, g_strdup(t->id));
  }
  for (guint i = 0; i < own->len; i++)
    if (router_remove_track(r, g_ptr_array_index(own, i)) == ROUTER_OK) removed++;
  g_ptr_array_free(own, TRUE);
  g_hash_table_iter_init(&it, r->tracks);
  while (g_hash_table_iter_next(&it, &k, &v)) {
    RouterTrack *t = v;
    for (guint i = t->subs->len; i-- > 0;) {
      RouterSubscription *s = g_ptr_array_index(t->subs, i);
      if (strcmp(s->subscriber, participant) == 0) {
        detach_sub(r, s);
        removed++;
      }
    }
  }
  return removed;
}

RouterStatus router_set_muted(Router *r, const char *track_id, bool muted, bool *need_keyframe) {
  if (need_keyframe) *need_keyframe = false;
  RouterTrack *t = router_track_by_id(r, track_id);
  if (r == NULL || track_id == NULL) return ROUTER_ERR_ARG;
  if (t == NULL) return ROUTER_ERR_NOT_FOUND;
  if (t->muted == muted) return ROUTER_OK;
  t->muted = muted;
  if (!muted && t->kind == ROUTER_KIND_VIDEO) {
    for (guint i = 0; i < t->subs->len; i++) {
      RouterSubscription *s = g_ptr_array_index(t->subs, i);
      s->waiting_keyframe = true;
    }
    if (need_keyframe) *need_keyframe = true;
  }
  return ROUTER_OK;
}

RouterStatus router_route(Router *r, uint32_t in_ssrc, uint16_t seq, uint32_t ts, bool keyframe_start,
                          int64_t now_us, RouterTrack **track, RouterOutput *outs, size_t max_outs,
                          size_t *n_outs) {
  if (n_outs) *n_outs = 0;
  if (track) *track = NULL;
  if (r == NULL || n_outs == NULL || (outs == NULL && max_outs > 0)) return ROUTER_ERR_ARG;
  RouterSsrcInfo info;
  if (!router_lookup_ssrc(r, in_ssrc, &info)) return ROUTER_ERR_NOT_FOUND;
  if (info.is_rtx) return ROUTER_ERR_ARG; /* unwrap RTX first */
  RouterTrack *t = info.track;
  if (track) *track = t;
  if (t->subs->len > max_outs) return ROUTER_ERR_NO_SPACE;
  size_t n = 0;
  for (guint i = 0; i < t->subs->len; i++) {
    RouterSubscription *s = g_ptr_array_index(t->subs, i);
    if (info.layer != s->layer) {
      /* Another layer: switch to it only at a keyframe of the target. */
      if (t->muted || info.layer != s->target_layer || !keyframe_start) continue;
      s->layer = info.layer;
      s->waiting_keyframe = false;
      s->cut_over = false;
    } else if (s->cut_over) {
      /* the old layer is abandoned; in order, numbered out of the output */
      if (seq_rewriter_is_new(&s->rw, in_ssrc, seq)) seq_rewriter_drop(&s->rw, in_ssrc, seq);
      continue;
    } else if ((t->muted || (s->waiting_keyframe && !keyframe_start)) &&
               seq_rewriter_is_new(&s->rw, in_ssrc, seq)) {
      /* Not forwarded, output kept continuous. With the gap: packets sent
       * while muted and recovered late are never forwarded either, and
       * nothing before an awaited keyframe is useful. (A late packet from
       * before the mute/wait falls through and fills its kept slot.) */
      seq_rewriter_drop_with_gap(&s->rw, in_ssrc, seq);
      continue;
    } else if (s->waiting_keyframe && !t->muted && keyframe_start && seq_rewriter_is_new(&s->rw, in_ssrc, seq)) {
      s->waiting_keyframe = false; /* (a late, old keyframe start does not end the wait) */
    }
    if (!s->rw.started && (t->muted || s->waiting_keyframe)) continue; /* nothing to fill yet */
    uint16_t os;
    uint32_t ot;
    if (seq_rewriter_forward(&s->rw, in_ssrc, seq, ts, now_us, &os, &ot) != SEQRW_FORWARD) continue;
    outs[n].sub = s;
    outs[n].seq = os;
    outs[n].ts = ot;
    n++;
  }
  *n_outs = n;
  return ROUTER_OK;
}
