/* signalling's time-up rules (signalling/sig_call_timeup.c), table by table
 * with a fake clock: the ending_soon warnings at 5 and 1 minute before the
 * end, each once per connection, a reconnect's new page getting the due ones
 * again, a late joiner only the due ones, the end at visit.end, the timer's
 * next look, and the early-join window. Replaces the 130 s real-time run
 * (tests/signalling/test-signal-timeup.mjs is now a short end-to-end run). */
#include <glib.h>
#include <string.h>

#include "sig_call.h"
#include "sig_call_presence.h"
#include "sig_call_timeup.h"
#include "sig_fake_clock.h"

static const int64_t END = 1800003600; /* visit.end, Unix s */
#define AT(s_before_end) ((END - (s_before_end)) * 1000)
static const SigTimeup TU = {.visit_end = END, .warn_first_s = 300, .warn_second_s = 60};

static void test_due(void) {
  static const struct {
    int64_t now_ms;
    SigWarned had;
    int n;
    int warning_s[2];
    int64_t left[2];
  } rows[] = {
      {AT(400), {0, 0}, 0, {0}, {0}},
      {AT(300) - 1, {0, 0}, 0, {0}, {0}},
      {AT(300), {0, 0}, 1, {300}, {300}},
      {AT(300) + 500, {0, 0}, 1, {300}, {300}}, /* 299.5 s left: rounded up */
      {AT(130), {0, 0}, 1, {300}, {130}},        /* joined after the first moment */
      {AT(130), {1, 0}, 0, {0}, {0}},            /* had it: not again */
      {AT(60), {0, 0}, 2, {300, 60}, {60, 60}},  /* a late joiner: both, in order */
      {AT(60), {1, 0}, 1, {60}, {60}},
      {AT(50), {1, 0}, 1, {60}, {50}},
      {AT(10), {1, 1}, 0, {0}, {0}},
      {AT(-5), {0, 0}, 2, {300, 60}, {0, 0}}, /* past the end: never negative */
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    SigWarned w = rows[i].had;
    SigWarning out[2];
    int n = sig_timeup_due(&TU, &w, rows[i].now_ms, out);
    g_test_message("row %u", i);
    g_assert_cmpint(n, ==, rows[i].n);
    for (int k = 0; k < n; k++) {
      g_assert_cmpint(out[k].warning_s, ==, rows[i].warning_s[k]);
      g_assert_cmpint(out[k].seconds_left, ==, rows[i].left[k]);
      g_assert_cmpint(out[k].ends_at, ==, END);
    }
    /* Whatever was due is now had: asking again at once gives nothing. */
    g_assert_cmpint(sig_timeup_due(&TU, &w, rows[i].now_ms, out), ==, 0);
  }
}

static void test_over(void) {
  static const struct {
    int64_t now_ms;
    gboolean over;
  } rows[] = {{AT(60), FALSE}, {AT(0) - 1, FALSE}, {AT(0), TRUE}, {AT(-1), TRUE}};
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++)
    g_assert_cmpint(sig_timeup_over(&TU, rows[i].now_ms), ==, rows[i].over);
}

static void test_next_delay(void) {
  static const struct {
    int64_t now_ms, delay_ms;
  } rows[] = {
      {AT(1000), 60000},      /* far away: look again within a minute */
      {AT(301), 1000},        /* the first warning's moment */
      {AT(300), 60000},       /* next: the second one, 240 s away, capped */
      {AT(61) + 250, 750},    /* just before the second */
      {AT(60), 60000},        /* next: the end, 60 s away */
      {AT(30), 30000},
      {AT(0), 0},             /* the end is now */
      {AT(-10), 0},           /* overdue */
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    g_test_message("row %u", i);
    g_assert_cmpint(sig_timeup_next_delay_ms(&TU, rows[i].now_ms), ==, rows[i].delay_ms);
  }
}

static void test_window(void) {
  const int64_t start = END - 1800;
  static const struct {
    int64_t now_rel_start; /* now - start */
    SigWindow w;
    int64_t seconds;
  } rows[] = {
      {-901, SIG_WINDOW_TOO_EARLY, 1}, {-3600, SIG_WINDOW_TOO_EARLY, 2700},
      {-900, SIG_WINDOW_OPEN, 0},      {0, SIG_WINDOW_OPEN, 0},
      {1799, SIG_WINDOW_OPEN, 0},      {1800, SIG_WINDOW_TOO_LATE, 0},
      {1807, SIG_WINDOW_TOO_LATE, 7},
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    int64_t secs = -1;
    g_test_message("row %u", i);
    g_assert_cmpint(sig_timeup_window(start, END, 900, start + rows[i].now_rel_start, &secs), ==,
                    rows[i].w);
    g_assert_cmpint(secs, ==, rows[i].seconds);
  }
  /* early_join_s 0: opens at the start exactly. */
  int64_t secs;
  g_assert_cmpint(sig_timeup_window(start, END, 0, start - 1, &secs), ==, SIG_WINDOW_TOO_EARLY);
  g_assert_cmpint(secs, ==, 1);
}

/* A whole call on the fake clock, driven the way the server's room timer
 * drives it (sig_room.c room_tick_cb): a look of the call core (sig_call_look)
 * at each moment it names, its actions carried out. Between looks, the
 * script's events: a join (the due warnings at once, as on joined; a rejoin
 * is a new page with none had) or a drop (away within the grace). */
typedef enum { JOIN, DROP } What;
typedef struct {
  int64_t at_ms;
  What what;
  int who; /* participant */
} Event;

typedef struct {
  int conn, warning_s; /* conn: the index of the JOIN event that opened it */
  int64_t at_ms, left;
} Sent;

typedef struct {
  Sent sent[32];
  int n_sent;
  int64_t left_ms[8]; /* when each participant left (grace over), 0 never */
  int64_t ended_ms;
  int looks;
} Outcome;

static void run_call(const Event *ev, int n_ev, int grace_s, int64_t from_ms, Outcome *o) {
  FakeClock fc = {.ms = from_ms};
  SigClock clk = fake_clock(&fc);
  SigCallMember m[8] = {{0}};
  int conn_of[8], next_ev = 0;
  for (int i = 0; i < 8; i++) conn_of[i] = -1;
  memset(o, 0, sizeof *o);
  for (;;) {
    int64_t now = sig_clock_ms(&clk);
    for (; next_ev < n_ev && ev[next_ev].at_ms <= now; next_ev++) {
      int w = ev[next_ev].who;
      if (ev[next_ev].what == DROP) {
        m[w].connected = false;
        g_assert_cmpint(sig_presence_disconnect(m[w].ready, grace_s, now, &m[w].away_deadline_ms),
                        ==, SIG_AWAY_GRACE);
        m[w].away = true;
        continue;
      }
      conn_of[w] = next_ev;
      m[w] = (SigCallMember){.ready = true, .connected = true}; /* none had, not away */
      SigWarning out[2];
      int k = sig_timeup_due(&TU, &m[w].warned, now, out);
      for (int j = 0; j < k; j++)
        o->sent[o->n_sent++] = (Sent){next_ev, out[j].warning_s, now, out[j].seconds_left};
    }
    o->looks++;
    SigCallAction acts[SIG_CALL_MAX_ACTIONS(8)];
    int64_t next = -1;
    size_t k = sig_call_look(&TU, m, 8, now, acts, &next);
    if (k > 0 && acts[0].kind == SIG_CALL_END) {
      g_assert_cmpint(k, ==, 1);
      o->ended_ms = now;
      return;
    }
    for (size_t i = 0; i < k; i++) {
      int w = (int)acts[i].member;
      if (acts[i].kind == SIG_CALL_GRACE_OVER) {
        o->left_ms[w] = now;
        m[w] = (SigCallMember){0}; /* gone */
        conn_of[w] = -1;
      } else {
        g_assert_true(m[w].connected);
        o->sent[o->n_sent++] =
            (Sent){conn_of[w], acts[i].warning.warning_s, now, acts[i].warning.seconds_left};
      }
    }
    g_assert_cmpint(next, >, now);
    g_assert_cmpint(next - now, <=, 60000);
    if (next_ev < n_ev && ev[next_ev].at_ms < next) next = ev[next_ev].at_ms;
    fc.ms = next;
    g_assert_cmpint(o->looks, <, 1000);
  }
}

static gboolean sent_has(const Outcome *o, Sent want) {
  for (int i = 0; i < o->n_sent; i++)
    if (o->sent[i].conn == want.conn && o->sent[i].warning_s == want.warning_s &&
        o->sent[i].at_ms == want.at_ms && o->sent[i].left == want.left)
      return TRUE;
  return FALSE;
}

static void test_call_timeline(void) {
  /* A (0) from ten minutes before the end; B (1) joins 130 s before it,
   * after the first moment; A drops at 120 s and comes back at 100 s (a
   * new page); B drops at 80 s and never comes back (grace 30 s); C (2)
   * joins 50 s before the end. */
  const Event ev[] = {{AT(600), JOIN, 0}, {AT(130), JOIN, 1}, {AT(120), DROP, 0},
                      {AT(100), JOIN, 0}, {AT(80), DROP, 1},  {AT(50), JOIN, 2}};
  Outcome o;
  run_call(ev, G_N_ELEMENTS(ev), 30, AT(600), &o);
  static const Sent want[] = {
      {0, 300, AT(300), 300}, /* A: the first at its moment */
      {1, 300, AT(130), 130}, /* B: the due one at once, not the second */
      {3, 300, AT(100), 100}, /* A's new page: the due one again, once */
      {3, 60, AT(60), 60},    /* A (its new connection); B is away: nothing */
      {5, 300, AT(50), 50},   /* C: both at once, in order */
      {5, 60, AT(50), 50},
  };
  for (int i = 0; i < o.n_sent; i++)
    g_test_message("sent %d: conn %d warning %d at end-%" G_GINT64_FORMAT " left %" G_GINT64_FORMAT,
                   i, o.sent[i].conn, o.sent[i].warning_s, END - o.sent[i].at_ms / 1000,
                   o.sent[i].left);
  g_assert_cmpint(o.n_sent, ==, G_N_ELEMENTS(want));
  for (guint i = 0; i < G_N_ELEMENTS(want); i++) g_assert_true(sent_has(&o, want[i]));
  /* C's two come in order. */
  for (int i = 0; i + 1 < o.n_sent; i++)
    if (o.sent[i].conn == 5) g_assert_cmpint(o.sent[i + 1].warning_s, ==, 60);
  g_assert_cmpint(o.left_ms[0], ==, 0);       /* A came back in time */
  g_assert_cmpint(o.left_ms[1], ==, AT(50));  /* B: at the grace's end exactly */
  g_assert_cmpint(o.ended_ms, ==, AT(0));
  /* Ten minutes of call: a look a minute at most, plus the moments. */
  g_assert_cmpint(o.looks, <=, 20);
}

/* A call whose end has come (a clock step, or a joiner let in a moment
 * before): it ends at the first look. */
static void test_call_already_over(void) {
  const Event ev[] = {{AT(-1), JOIN, 0}};
  Outcome o;
  run_call(ev, 1, 30, AT(-1), &o);
  g_assert_cmpint(o.n_sent, ==, 2); /* the join's due warnings still go first */
  g_assert_cmpint(o.sent[0].left, ==, 0);
  g_assert_cmpint(o.ended_ms, ==, AT(-1));
  g_assert_cmpint(o.looks, ==, 1);
}

/* The end wins over a grace ending at the same moment: the call ends, the
 * away participant's leave is part of it (SIG_CALL_END alone). */
static void test_end_beats_grace(void) {
  const Event ev[] = {{AT(100), JOIN, 0}, {AT(30), DROP, 0}};
  Outcome o;
  run_call(ev, G_N_ELEMENTS(ev), 30, AT(100), &o);
  g_assert_cmpint(o.left_ms[0], ==, 0);
  g_assert_cmpint(o.ended_ms, ==, AT(0));
}

/* Settings other than the defaults (an operator's, or the end-to-end
 * test's short visit): the same rules at their moments. */
static void test_other_settings(void) {
  const SigTimeup t = {.visit_end = END, .warn_first_s = 12, .warn_second_s = 6};
  SigWarned w = {0};
  SigWarning out[2];
  g_assert_cmpint(sig_timeup_due(&t, &w, AT(13), out), ==, 0);
  g_assert_cmpint(sig_timeup_next_delay_ms(&t, AT(13)), ==, 1000);
  g_assert_cmpint(sig_timeup_due(&t, &w, AT(12), out), ==, 1);
  g_assert_cmpint(out[0].warning_s, ==, 12);
  g_assert_cmpint(sig_timeup_next_delay_ms(&t, AT(12)), ==, 6000);
  g_assert_cmpint(sig_timeup_due(&t, &w, AT(6), out), ==, 1);
  g_assert_cmpint(out[0].warning_s, ==, 6);
  g_assert_cmpint(sig_timeup_next_delay_ms(&t, AT(6)), ==, 6000);
  g_assert_true(sig_timeup_over(&t, AT(0)));
}

/* The fake clock is what the core is driven by; the real one is the
 * server's default and reads the wall clock. */
static void test_clocks(void) {
  FakeClock fc = {.ms = 1234567};
  SigClock c = fake_clock(&fc);
  g_assert_cmpint(sig_clock_ms(&c), ==, 1234567);
  g_assert_cmpint(sig_clock_unix(&c), ==, 1234);
  fc.ms += 60000;
  g_assert_cmpint(sig_clock_unix(&c), ==, 1294);
  SigClock real = sig_clock_real();
  int64_t now = sig_clock_ms(&real);
  g_assert_cmpint(now, >, (int64_t)1700000000 * 1000);
  g_assert_cmpint(g_get_real_time() / 1000 - now, <, 5000);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/signal/call/timeup/due", test_due);
  g_test_add_func("/signal/call/timeup/over", test_over);
  g_test_add_func("/signal/call/timeup/next_delay", test_next_delay);
  g_test_add_func("/signal/call/timeup/window", test_window);
  g_test_add_func("/signal/call/timeup/timeline", test_call_timeline);
  g_test_add_func("/signal/call/timeup/already_over", test_call_already_over);
  g_test_add_func("/signal/call/timeup/end_beats_grace", test_end_beats_grace);
  g_test_add_func("/signal/call/timeup/other_settings", test_other_settings);
  g_test_add_func("/signal/call/timeup/clocks", test_clocks);
  return g_test_run();
}
