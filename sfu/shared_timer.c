#include "shared_timer.h"

/* The group's source: a deadline kept in the source itself rather than
 * GLib's ready time. GLib 2.74's g_source_set_ready_time (which a repeating
 * g_timeout source calls after every dispatch) writes the context's wakeup
 * eventfd even from the context's own thread, so every timer firing cost a
 * write, a read and one more loop iteration; prepare/check computing the
 * timeout cost none of those. */
typedef struct {
  GSource source;
  gint64 next_us, period_us;
  void *group;
} TimerSource;

typedef struct {
  GMainContext *ctx; /* ref held: the address cannot be reused while the group lives */
  guint period_ms;
  TimerSource *src;
  GPtrArray *entries; /* SharedTimerEntry*; NULL slots while running */
  int running;        /* inside run_group (nested runs are possible from tests) */
  int holes;          /* entries removed while running */
} Group;

struct SharedTimerEntry {
  Group *g;
  SharedTimerFn fn;
  void *user;
  guint index;
};

/* Groups of every context; only the list needs the lock (a group itself is
 * touched on its context's thread only). A handful: contexts x periods. */
static GMutex registry_lock;
static GPtrArray *groups;

static Group *find_group(GMainContext *ctx, guint period_ms) {
  for (guint i = 0; groups && i < groups->len; i++) {
    Group *g = groups->pdata[i];
    if (g->ctx == ctx && g->period_ms == period_ms) return g;
  }
  return NULL;
}

static void compact(Group *g) {
  guint j = 0;
  for (guint i = 0; i < g->entries->len; i++) {
    SharedTimerEntry *e = g->entries->pdata[i];
    if (!e) continue;
    e->index = j;
    g->entries->pdata[j++] = e;
  }
  g_ptr_array_set_size(g->entries, j);
  g->holes = 0;
}

static void group_free(Group *g) {
  g_mutex_lock(&registry_lock);
  g_ptr_array_remove_fast(groups, g);
  g_mutex_unlock(&registry_lock);
  g_source_destroy(&g->src->source); /* also from inside its own dispatch: GLib holds a ref */
  g_source_unref(&g->src->source);
  g_ptr_array_free(g->entries, TRUE);
  g_main_context_unref(g->ctx);
  g_free(g);
}

/* Returns 1 if the group was freed (its last entry left during the round). */
static int run_group(Group *g, gint64 now_us, guint *called) {
  g->running++;
  guint n = g->entries->len; /* entries added during the round wait for the next */
  for (guint i = 0; i < n; i++) {
    SharedTimerEntry *e = g->entries->pdata[i];
    if (!e) continue;
    e->fn(e->user, now_us);
    if (called) (*called)++;
  }
  if (--g->running) return 0;
  if (g->holes) compact(g);
  if (g->entries->len == 0) {
    group_free(g);
    return 1;
  }
  return 0;
}

static gboolean timer_prepare(GSource *s, gint *timeout) {
  TimerSource *t = (TimerSource *)s;
  gint64 now = g_source_get_time(s);
  if (now >= t->next_us) {
    *timeout = 0;
    return TRUE;
  }
  *timeout = (gint)((t->next_us - now + 999) / 1000);
  return FALSE;
}

static gboolean timer_check(GSource *s) {
  TimerSource *t = (TimerSource *)s;
  return g_source_get_time(s) >= t->next_us;
}

static gboolean timer_dispatch(GSource *s, GSourceFunc cb, gpointer unused) {
  TimerSource *t = (TimerSource *)s;
  gint64 now = g_get_monotonic_time();
  /* A fixed rhythm; a round missed (the loop was busy) is not made up. */
  t->next_us += t->period_us;
  if (t->next_us <= now) t->next_us = now + t->period_us;
  if (run_group(t->group, now, NULL)) return G_SOURCE_REMOVE;
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_funcs = {timer_prepare, timer_check, timer_dispatch, NULL, NULL, NULL};

SharedTimerEntry *shared_timer_add(GMainContext *ctx, guint period_ms, SharedTimerFn fn,
                                   void *user) {
  if (!ctx) ctx = g_main_context_default();
  if (period_ms == 0) period_ms = 1;
  g_mutex_lock(&registry_lock);
  if (!groups) groups = g_ptr_array_new();
  Group *g = find_group(ctx, period_ms);
  if (!g) {
    g = g_new0(Group, 1);
    g->ctx = g_main_context_ref(ctx);
    g->period_ms = period_ms;
    g->entries = g_ptr_array_new();
    g->src = (TimerSource *)g_source_new(&timer_funcs, sizeof(TimerSource));
    g->src->period_us = (gint64)period_ms * 1000;
    g->src->next_us = g_get_monotonic_time() + g->src->period_us;
    g->src->group = g;
    g_source_attach(&g->src->source, ctx);
    g_ptr_array_add(groups, g);
  }
  g_mutex_unlock(&registry_lock);
  SharedTimerEntry *e = g_new0(SharedTimerEntry, 1);
  e->g = g;
  e->fn = fn;
  e->user = user;
  e->index = g->entries->len;
  g_ptr_array_add(g->entries, e);
  return e;
}

void shared_timer_remove(SharedTimerEntry *e) {
  if (!e) return;
  Group *g = e->g;
  if (g->running) {
    /* The round in progress skips the hole and compacts afterwards. */
    g->entries->pdata[e->index] = NULL;
    g->holes = 1;
  } else {
    guint last = g->entries->len - 1;
    if (e->index != last) {
      SharedTimerEntry *m = g->entries->pdata[last];
      m->index = e->index;
      g->entries->pdata[e->index] = m;
    }
    g_ptr_array_set_size(g->entries, last);
    if (last == 0) group_free(g);
  }
  g_free(e);
}

void shared_timer_remove_user(GMainContext *ctx, guint period_ms, SharedTimerFn fn, void *user) {
  if (!ctx) ctx = g_main_context_default();
  g_mutex_lock(&registry_lock);
  Group *g = find_group(ctx, period_ms);
  g_mutex_unlock(&registry_lock);
  for (guint i = 0; g && i < g->entries->len; i++) {
    SharedTimerEntry *e = g->entries->pdata[i];
    if (e && e->fn == fn && e->user == user) {
      shared_timer_remove(e);
      return;
    }
  }
}

guint shared_timer_run(GMainContext *ctx, guint period_ms, gint64 now_us) {
  if (!ctx) ctx = g_main_context_default();
  g_mutex_lock(&registry_lock);
  Group *g = find_group(ctx, period_ms);
  g_mutex_unlock(&registry_lock);
  guint called = 0;
  if (g) run_group(g, now_us, &called);
  return called;
}

guint shared_timer_count(GMainContext *ctx, guint period_ms) {
  if (!ctx) ctx = g_main_context_default();
  g_mutex_lock(&registry_lock);
  Group *g = find_group(ctx, period_ms);
  guint n = 0;
  for (guint i = 0; g && i < g->entries->len; i++) n += g->entries->pdata[i] != NULL;
  g_mutex_unlock(&registry_lock);
  return n;
}
