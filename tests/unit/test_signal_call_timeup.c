/* signalling's time-up rules (signalling/sig_call_timeup.c), table by table
 * with a fake clock: the ending_soon warnings at 5 and 1 minute before the
 * end, each once per connection, a reconnect's new page getting the due ones
 * again, a late joiner only the due ones, the end at visit.end, the timer's
 * next look, and the early-join window. Replaces the 130 s real-time run
 * (tests/signalling/test-signal-timeup.mjs is now a short end-to-end run). */
#include <glib.h>

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
 * drives it (sig_room.c room_tick): at each look, the end if it has come,
 * else each connection's due warnings, then sleep the next delay. Joins
 * come at their times: a connection gets its due warnings as it joins. */
typedef struct {
  int64_t join_ms;   /* when this connection joins */
  int who;           /* participant; a later row with the same who replaces it */
} Join;

typedef struct {
  int conn, warning_s;
  int64_t at_ms, left;
} Sent;

static int run_call(const Join *joins, int n_joins, Sent *sent, int max_sent, int64_t from_ms,
                    int64_t *ended_ms, int *looks) {
  FakeClock fc = {.ms = from_ms};
  SigClock clk = fake_clock(&fc);
  SigWarned warned[8] = {{0}};
  int conn_of[8], joined = 0, n = 0;
  for (int i = 0; i < 8; i++) conn_of[i] = -1;
  *looks = 0;
  for (;;) {
    int64_t now = sig_clock_ms(&clk);
    while (joined < n_joins && joins[joined].join_ms <= now) {
      int c = joined++;
      conn_of[joins[c].who] = c;
      warned[c] = (SigWarned){0}; /* the new page has seen none */
      SigWarning out[2];
      int k = sig_timeup_due(&TU, &warned[c], now, out);
      for (int j = 0; j < k && n < max_sent; j++)
        sent[n++] = (Sent){c, out[j].warning_s, now, out[j].seconds_left};
    }
    ++*looks;
    if (sig_timeup_over(&TU, now)) {
      *ended_ms = now;
      return n;
    }
    for (int w = 0; w < 8; w++) {
      if (conn_of[w] < 0) continue;
      int c = conn_of[w];
      SigWarning out[2];
      int k = sig_timeup_due(&TU, &warned[c], now, out);
      for (int j = 0; j < k && n < max_sent; j++)
        sent[n++] = (Sent){c, out[j].warning_s, now, out[j].seconds_left};
    }
    int64_t delay = sig_timeup_next_delay_ms(&TU, now);
    g_assert_cmpint(delay, <=, 60000);
    if (joined < n_joins && joins[joined].join_ms - now < delay) delay = joins[joined].join_ms - now;
    fc.ms += delay;
    g_assert_cmpint(*looks, <, 1000);
  }
}

static void test_call_timeline(void) {
  /* 0: participant A from 10 minutes before the end; 1: B joins 130 s
   * before it (after the first moment); 2: A reconnects 100 s before the
   * end (a new page); 3: C joins 50 s before it. */
  const Join joins[] = {{AT(600), 0}, {AT(130), 1}, {AT(100), 0}, {AT(50), 2}};
  Sent s[32];
  int64_t ended = 0;
  int looks = 0;
  int n = run_call(joins, 4, s, 32, AT(600), &ended, &looks);
  static const Sent want[] = {
      {0, 300, AT(300), 300}, /* A: the first at its moment */
      {1, 300, AT(130), 130}, /* B: the due one at once, not the second */
      {2, 300, AT(100), 100}, /* A's new page: the due one again, once */
      {2, 60, AT(60), 60},    /* A (its new connection) */
      {1, 60, AT(60), 60},    /* B */
      {3, 300, AT(50), 50},   /* C: both at once, in order */
      {3, 60, AT(50), 50},
  };
  g_assert_cmpint(n, ==, G_N_ELEMENTS(want));
  for (int i = 0; i < n; i++) {
    g_test_message("sent %d: conn %d warning %d at end-%" G_GINT64_FORMAT " left %" G_GINT64_FORMAT,
                   i, s[i].conn, s[i].warning_s, END - s[i].at_ms / 1000, s[i].left);
    /* Connections warned in the same look may come in either order. */
    gboolean found = FALSE;
    for (guint j = 0; j < G_N_ELEMENTS(want); j++)
      if (want[j].conn == s[i].conn && want[j].warning_s == s[i].warning_s &&
          want[j].at_ms == s[i].at_ms && want[j].left == s[i].left)
        found = TRUE;
    g_assert_true(found);
  }
  /* Connection 0 (A's first) never got the 1-minute warning: it was gone. */
  for (int i = 0; i < n; i++) g_assert_false(s[i].conn == 0 && s[i].warning_s == 60);
  g_assert_cmpint(ended, ==, AT(0));
  /* Ten minutes of call: a look a minute at most, plus the moments. */
  g_assert_cmpint(looks, <=, 16);
}

/* A call that starts after its end (a clock step, or a very late joiner
 * the window let in a moment before): it ends at the first look. */
static void test_call_already_over(void) {
  const Join joins[] = {{AT(-1), 0}};
  Sent s[4];
  int64_t ended = 0;
  int looks = 0;
  int n = run_call(joins, 1, s, 4, AT(-1), &ended, &looks);
  g_assert_cmpint(n, ==, 2); /* the join's due warnings still go first */
  g_assert_cmpint(s[0].left, ==, 0);
  g_assert_cmpint(ended, ==, AT(-1));
  g_assert_cmpint(looks, ==, 1);
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
  g_test_add_func("/signal/call/timeup/other_settings", test_other_settings);
  g_test_add_func("/signal/call/timeup/clocks", test_clocks);
  return g_test_run();
}
