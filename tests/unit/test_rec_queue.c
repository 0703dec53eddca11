/* Recorder building blocks without media: the SPSC queue (order, drop on
 * full, counts, reserve, slow consumer), ids and paths, private files,
 * hashing, atomic writes, and the policy gate of recorder_new. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recorder/rec_fs.h"
#include "recorder/rec_queue.h"
#include "recorder/recorder.h"

static void test_queue_order_and_counts(void) {
  RecQueue *q = rec_queue_new(8, 0);
  g_assert_nonnull(q);
  g_assert_null(rec_queue_peek(q));
  for (uint8_t i = 0; i < 8; i++) {
    uint8_t b[3] = {i, (uint8_t)(i * 3), 0xAA};
    g_assert_true(rec_queue_push(q, REC_ITEM_RTP, i, 1000 + i, b, sizeof b, false));
  }
  g_assert_cmpuint(rec_queue_length(q), ==, 8);
  uint8_t b9[1] = {9};
  g_assert_false(rec_queue_push(q, REC_ITEM_RTP, 9, 0, b9, 1, false)); /* full: dropped */
  RecQueueStats st;
  rec_queue_stats(q, &st);
  g_assert_cmpuint(st.pushed, ==, 8);
  g_assert_cmpuint(st.dropped_full, ==, 1);
  for (uint8_t i = 0; i < 8; i++) {
    const RecQueueItem *it = rec_queue_peek(q);
    g_assert_nonnull(it);
    g_assert_cmpuint(it->type, ==, REC_ITEM_RTP);
    g_assert_cmpuint(it->handle, ==, i);
    g_assert_cmpint(it->at_us, ==, 1000 + i);
    g_assert_cmpuint(it->len, ==, 3);
    g_assert_cmpuint(it->data[0], ==, i);
    g_assert_cmpuint(it->data[1], ==, (uint8_t)(i * 3));
    rec_queue_release(q);
  }
  g_assert_null(rec_queue_peek(q));
  rec_queue_release(q); /* releasing nothing changes nothing */
  rec_queue_stats(q, &st);
  g_assert_cmpuint(st.popped, ==, 8);
  /* wraps around many times and stays in order */
  for (unsigned k = 0; k < 1000; k++) {
    uint8_t v = (uint8_t)k;
    g_assert_true(rec_queue_push(q, REC_ITEM_RTP, (uint16_t)k, k, &v, 1, false));
    const RecQueueItem *it = rec_queue_peek(q);
    g_assert_cmpuint(it->handle, ==, (uint16_t)k);
    g_assert_cmpuint(it->data[0], ==, v);
    rec_queue_release(q);
  }
  rec_queue_free(q);
}

static void test_queue_bad_input(void) {
  g_assert_null(rec_queue_new(1, 0));
  g_assert_null(rec_queue_new(4, 4));
  RecQueue *q = rec_queue_new(4, 1);
  uint8_t big[REC_QUEUE_MAX_PAYLOAD + 1] = {0};
  g_assert_false(rec_queue_push(q, REC_ITEM_RTP, 0, 0, big, sizeof big, false));
  g_assert_false(rec_queue_push(q, REC_ITEM_RTP, 0, 0, NULL, 5, false));
  g_assert_true(rec_queue_push(q, REC_ITEM_RTP, 0, 0, big, REC_QUEUE_MAX_PAYLOAD, false));
  RecQueueStats st;
  rec_queue_stats(q, &st);
  g_assert_cmpuint(st.dropped_oversize, ==, 2);
  g_assert_cmpuint(st.pushed, ==, 1);
  rec_queue_free(q);
  rec_queue_free(NULL);
}

static void test_queue_reserve(void) {
  RecQueue *q = rec_queue_new(6, 2);
  uint8_t b = 1;
  for (int i = 0; i < 4; i++) g_assert_true(rec_queue_push(q, REC_ITEM_RTP, 0, 0, &b, 1, false));
  /* media may not take the last 2 slots... */
  g_assert_false(rec_queue_push(q, REC_ITEM_RTP, 0, 0, &b, 1, false));
  /* ...control items may */
  g_assert_true(rec_queue_push_sr(q, 3, 77, 0x0102030405060708ull, 0xdeadbeef));
  g_assert_true(rec_queue_push(q, REC_ITEM_PIECE_END, 2, 0, NULL, 0, true));
  g_assert_false(rec_queue_push(q, REC_ITEM_PIECE_END, 2, 0, NULL, 0, true));
  RecQueueStats st;
  rec_queue_stats(q, &st);
  g_assert_cmpuint(st.dropped_full, ==, 1);
  g_assert_cmpuint(st.dropped_control, ==, 1);
  for (int i = 0; i < 4; i++) rec_queue_release(q);
  const RecQueueItem *it = rec_queue_peek(q);
  g_assert_cmpuint(it->type, ==, REC_ITEM_SR);
  g_assert_cmpuint(it->handle, ==, 3);
  g_assert_cmphex(it->ntp, ==, 0x0102030405060708ull);
  g_assert_cmphex(it->rtp_ts, ==, 0xdeadbeef);
  rec_queue_release(q);
  it = rec_queue_peek(q);
  g_assert_cmpuint(it->type, ==, REC_ITEM_PIECE_END);
  rec_queue_release(q);
  g_assert_null(rec_queue_peek(q));
  rec_queue_free(q);
}

/* (f) A slow consumer (a disk that sleeps): the producer drops and counts,
 * and never waits: rec_queue_push has no blocking path, so the number of
 * pushes that waited is 0 by construction; we check the accounting is exact
 * and that what got through is intact and in order. */
typedef struct {
  RecQueue *q;
  _Atomic int done;
  uint64_t received, out_of_order, corrupt;
} SlowConsumer;

static gpointer slow_consumer(gpointer data) {
  SlowConsumer *c = data;
  int64_t last = -1;
  for (;;) {
    const RecQueueItem *it = rec_queue_peek(c->q);
    if (!it) {
      if (atomic_load(&c->done)) break;
      g_usleep(500); /* the consumer polls while idle (pacing; the producer never waits) */
      continue;
    }
    int64_t seq = it->at_us;
    if (seq <= last) c->out_of_order++;
    last = seq;
    for (unsigned i = 0; i < it->len; i++)
      if (it->data[i] != (uint8_t)(seq + i)) {
        c->corrupt++;
        break;
      }
    c->received++;
    rec_queue_release(c->q);
    g_usleep(200); /* the slow disk */
  }
  return NULL;
}

static void test_queue_slow_consumer(void) {
  SlowConsumer c = {.q = rec_queue_new(64, 4)};
  atomic_init(&c.done, 0);
  GThread *th = g_thread_new("slow", slow_consumer, &c);
  const unsigned N = 20000;
  unsigned accepted = 0;
  int64_t max_push_us = 0;
  uint8_t pkt[1200];
  for (unsigned k = 0; k < N; k++) {
    for (unsigned i = 0; i < sizeof pkt; i++) pkt[i] = (uint8_t)(k + i);
    int64_t t0 = g_get_monotonic_time();
    if (rec_queue_push(c.q, REC_ITEM_RTP, 1, k, pkt, sizeof pkt, false)) accepted++;
    int64_t dt = g_get_monotonic_time() - t0;
    if (dt > max_push_us) max_push_us = dt;
  }
  atomic_store(&c.done, 1);
  g_thread_join(th);
  RecQueueStats st;
  rec_queue_stats(c.q, &st);
  g_test_message("slow consumer: %u pushed, %" G_GUINT64_FORMAT " dropped, max push %" G_GINT64_FORMAT
                 " us (diagnostic only)", accepted, st.dropped_full, max_push_us);
  g_assert_cmpuint(st.dropped_full, >, 0);
  g_assert_cmpuint(st.pushed + st.dropped_full, ==, N);
  g_assert_cmpuint(st.pushed, ==, accepted);
  g_assert_cmpuint(c.received, ==, accepted);
  g_assert_cmpuint(c.out_of_order, ==, 0);
  g_assert_cmpuint(c.corrupt, ==, 0);
  rec_queue_free(c.q);
}

static void test_ids(void) {
  const char *good[] = {"v42", "alice", "alice:0", "a.b", "x@y-z_1", "A", NULL};
  const char *bad[] = {"", ".", "..", "../x", "a/b", ".hidden", "a..b", "a b", "é", "a\\b",
                       "a\nb", NULL};
  for (int i = 0; good[i]; i++) g_assert_true(rec_fs_id_valid(good[i]));
  for (int i = 0; bad[i]; i++) g_assert_false(rec_fs_id_valid(bad[i]));
  g_assert_false(rec_fs_id_valid(NULL));
  char long_id[130];
  memset(long_id, 'a', 129);
  long_id[129] = 0;
  g_assert_false(rec_fs_id_valid(long_id));
  long_id[128] = 0;
  g_assert_true(rec_fs_id_valid(long_id));
}

static char *tmpdir(void) {
  GError *e = NULL;
  char *d = g_dir_make_tmp("rec-test-XXXXXX", &e);
  g_assert_no_error(e);
  return d;
}

static void rm_rf(const char *path) {
  char *argv[] = {"rm", "-rf", (char *)path, NULL};
  g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

static void test_fs(void) {
  char *d = tmpdir();
  mode_t old = umask(0); /* the worst umask: our modes must not depend on it */
  char *sub = g_build_filename(d, "rec", NULL);
  g_assert_cmpint(rec_fs_private_dir(sub), ==, 0);
  struct stat st;
  g_assert_cmpint(stat(sub, &st), ==, 0);
  g_assert_cmphex(st.st_mode & 07777, ==, 0700);
  g_assert_cmpint(chmod(sub, 0755), ==, 0);
  g_assert_cmpint(rec_fs_private_dir(sub), ==, 0); /* existing: forced back */
  g_assert_cmpint(stat(sub, &st), ==, 0);
  g_assert_cmphex(st.st_mode & 07777, ==, 0700);
  /* a symlink or a file is not a directory we accept */
  char *link = g_build_filename(d, "link", NULL);
  g_assert_cmpint(symlink(sub, link), ==, 0);
  g_assert_cmpint(rec_fs_private_dir(link), ==, -1);
  char *f = g_build_filename(sub, "a.webm", NULL);
  g_assert_cmpint(rec_fs_create_private_file(f), ==, 0);
  g_assert_cmpint(stat(f, &st), ==, 0);
  g_assert_cmphex(st.st_mode & 07777, ==, 0600);
  g_assert_cmpint(rec_fs_create_private_file(f), ==, -1); /* never reused */
  g_assert_cmpint(errno, ==, EEXIST);
  char *flink = g_build_filename(sub, "b.webm", NULL);
  g_assert_cmpint(symlink("/etc/passwd", flink), ==, 0);
  g_assert_cmpint(rec_fs_create_private_file(flink), ==, -1); /* never follows */
  /* hash against GLib's independent SHA-256 */
  const char *text = "parlour recording test data\n";
  g_assert_true(g_file_set_contents(f, text, -1, NULL));
  char hex[65];
  int64_t size = 0;
  g_assert_cmpint(rec_fs_sha256_file(f, hex, &size), ==, 0);
  char *want = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1);
  g_assert_cmpstr(hex, ==, want);
  g_assert_cmpint(size, ==, (int64_t)strlen(text));
  g_free(want);
  g_assert_cmpint(rec_fs_sha256_file("/nonexistent/x", hex, NULL), ==, -1);
  /* atomic write: replaces, 0600, no temp left */
  g_assert_cmpint(rec_fs_write_atomic(sub, "manifest.json", "{\"a\":1}", 7), ==, 0);
  g_assert_cmpint(rec_fs_write_atomic(sub, "manifest.json", "{\"a\":2}", 7), ==, 0);
  char *mpath = g_build_filename(sub, "manifest.json", NULL);
  char *got = NULL;
  g_assert_true(g_file_get_contents(mpath, &got, NULL, NULL));
  g_assert_cmpstr(got, ==, "{\"a\":2}");
  g_assert_cmpint(stat(mpath, &st), ==, 0);
  g_assert_cmphex(st.st_mode & 07777, ==, 0600);
  char *tmp = g_build_filename(sub, "manifest.json.tmp", NULL);
  g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
  g_assert_cmpint(rec_fs_write_atomic("/nonexistent", "m.json", "x", 1), ==, -1);
  umask(old);
  g_free(got);
  g_free(tmp);
  g_free(mpath);
  g_free(flink);
  g_free(f);
  g_free(link);
  g_free(sub);
  rm_rf(d);
  g_free(d);
}

static int count_entries(const char *dir) {
  GDir *g = g_dir_open(dir, 0, NULL);
  if (!g) return -1;
  int n = 0;
  while (g_dir_read_name(g)) n++;
  g_dir_close(g);
  return n;
}

/* (e) Not recordable: refused, nothing created, whatever the other args. */
static void test_policy_refuses(void) {
  char *d = tmpdir();
  char *root = g_build_filename(d, "recordings", NULL);
  RecorderPolicy not_ok[] = {RECORDER_NOT_RECORDABLE, (RecorderPolicy)1, (RecorderPolicy)-1,
                             (RecorderPolicy)(RECORDER_RECORDABLE + 1)};
  for (unsigned i = 0; i < G_N_ELEMENTS(not_ok); i++) {
    RecError err = REC_OK;
    g_assert_null(recorder_new(root, "legal-visit-1", not_ok[i], NULL, &err));
    g_assert_cmpint(err, ==, REC_ERR_NOT_RECORDABLE);
    g_assert_cmpstr(recorder_error_code(err), ==, "room_not_recordable");
    /* a bad id with a refusing policy is still a policy refusal */
    g_assert_null(recorder_new(root, "../../etc", not_ok[i], NULL, &err));
    g_assert_cmpint(err, ==, REC_ERR_NOT_RECORDABLE);
  }
  g_assert_false(g_file_test(root, G_FILE_TEST_EXISTS));
  g_assert_cmpint(count_entries(d), ==, 0);
  /* the producer API is safe on a NULL recorder (refused, no crash) */
  uint8_t pkt[12] = {0x80, 96};
  g_assert_false(recorder_push_rtp(NULL, 0, pkt, sizeof pkt, 0));
  g_assert_false(recorder_on_sender_report(NULL, 0, 0, 0, 0));
  g_assert_false(recorder_piece_end(NULL, 1));
  RecError err;
  g_assert_null(recorder_stop(NULL, &err));
  g_assert_cmpint(err, ==, REC_ERR_STATE);
  recorder_free(NULL);
  g_free(root);
  rm_rf(d);
  g_free(d);
}

static void test_bad_requests(void) {
  char *d = tmpdir();
  RecError err;
  /* path traversal from ids */
  g_assert_null(recorder_new(d, "../x", RECORDER_RECORDABLE, NULL, &err));
  g_assert_cmpint(err, ==, REC_ERR_BAD_REQUEST);
  g_assert_null(recorder_new(d, "a/b", RECORDER_RECORDABLE, NULL, &err));
  g_assert_null(recorder_new(NULL, "v1", RECORDER_RECORDABLE, NULL, &err));
  g_assert_cmpint(count_entries(d), ==, 0);
  /* a directory we cannot create */
  g_assert_null(recorder_new("/proc/nonexistent/rec", "v1", RECORDER_RECORDABLE, NULL, &err));
  g_assert_cmpint(err, ==, REC_ERR_IO);

  Recorder *r = recorder_new(d, "v1", RECORDER_RECORDABLE, NULL, &err);
  g_assert_nonnull(r);
  g_assert_cmpint(err, ==, REC_OK);
  struct stat st;
  g_assert_cmpint(stat(recorder_dir(r), &st), ==, 0);
  g_assert_cmphex(st.st_mode & 07777, ==, 0700);
  int h[2];
  RecTrackDesc ok[2] = {{"bob:0", REC_KIND_AUDIO, REC_CODEC_OPUS, 111, 48000},
                        {"bob:1", REC_KIND_VIDEO, REC_CODEC_VP8, 96, 90000}};
  RecTrackDesc two_audio[2] = {ok[0], ok[0]};
  RecTrackDesc bad_rate[1] = {{"bob:0", REC_KIND_AUDIO, REC_CODEC_OPUS, 111, 8000}};
  RecTrackDesc bad_codec[1] = {{"bob:0", REC_KIND_AUDIO, REC_CODEC_VP8, 111, 48000}};
  RecTrackDesc bad_pt[1] = {{"bob:0", REC_KIND_AUDIO, REC_CODEC_OPUS, 200, 48000}};
  RecTrackDesc bad_id[1] = {{"../bob", REC_KIND_AUDIO, REC_CODEC_OPUS, 111, 48000}};
  g_assert_cmpint(recorder_piece_begin(r, "../bob", ok, 2, h, &err), ==, -1);
  g_assert_cmpint(err, ==, REC_ERR_BAD_REQUEST);
  g_assert_cmpint(recorder_piece_begin(r, "bob", two_audio, 2, h, &err), ==, -1);
  g_assert_cmpint(recorder_piece_begin(r, "bob", bad_rate, 1, h, &err), ==, -1);
  g_assert_cmpint(recorder_piece_begin(r, "bob", bad_codec, 1, h, &err), ==, -1);
  g_assert_cmpint(recorder_piece_begin(r, "bob", bad_pt, 1, h, &err), ==, -1);
  g_assert_cmpint(recorder_piece_begin(r, "bob", bad_id, 1, h, &err), ==, -1);
  g_assert_cmpint(recorder_piece_begin(r, "bob", ok, 0, h, &err), ==, -1);
  g_assert_cmpint(recorder_piece_begin(r, "bob", ok, 3, h, &err), ==, -1);
  int piece = recorder_piece_begin(r, "bob", ok, 2, h, &err);
  g_assert_cmpint(piece, ==, 1);
  /* malformed packets are refused and counted, never queued */
  uint8_t short_pkt[5] = {0x80, 111};
  uint8_t v1_pkt[12] = {0x40, 111};
  uint8_t wrong_pt[12] = {0x80, 97};
  g_assert_false(recorder_push_rtp(r, h[0], short_pkt, sizeof short_pkt, 1));
  g_assert_false(recorder_push_rtp(r, h[0], v1_pkt, sizeof v1_pkt, 1));
  g_assert_false(recorder_push_rtp(r, h[0], wrong_pt, sizeof wrong_pt, 1));
  g_assert_false(recorder_push_rtp(r, 99, wrong_pt, sizeof wrong_pt, 1));
  g_assert_false(recorder_push_rtp(r, -1, wrong_pt, sizeof wrong_pt, 1));
  g_assert_false(recorder_on_sender_report(r, 42, 1, 1, 1));
  g_assert_false(recorder_piece_end(r, 0));
  g_assert_false(recorder_piece_end(r, 2));
  g_assert_true(recorder_piece_end(r, 1));
  g_assert_false(recorder_piece_end(r, 1));
  uint8_t good[12] = {0x80, 111};
  g_assert_false(recorder_push_rtp(r, h[0], good, sizeof good, 1)); /* piece ended */
  RecorderStats s;
  recorder_get_stats(r, &s);
  g_assert_cmpuint(s.refused, ==, 7);
  g_assert_cmpuint(s.queue.pushed, ==, 1); /* the piece end only */
  RecResult *res = recorder_stop(r, &err);
  g_assert_nonnull(res);
  g_assert_cmpuint(res->files->len, ==, 0); /* no packet, no file */
  g_assert_null(recorder_stop(r, &err));
  g_assert_cmpint(err, ==, REC_ERR_STATE);
  g_assert_cmpint(recorder_piece_begin(r, "carol", ok, 2, h, &err), ==, -1);
  g_assert_cmpint(err, ==, REC_ERR_STATE);
  /* the manifest exists, lists no file, and is 0600 */
  g_assert_cmpint(stat(res->manifest_path, &st), ==, 0);
  g_assert_cmphex(st.st_mode & 07777, ==, 0600);
  g_assert_cmpint(count_entries(res->dir), ==, 1);
  rec_result_free(res);
  recorder_free(r);
  rm_rf(d);
  g_free(d);
}

typedef struct {
  GMainLoop *loop;
  RecResult *res;
  RecError err;
  GThread *thread;
} AsyncStop;

static void on_stopped(RecResult *res, RecError err, gpointer data) {
  AsyncStop *a = data;
  a->res = res;
  a->err = err;
  a->thread = g_thread_self();
  g_main_loop_quit(a->loop);
}

/* recorder_stop_async: the callback comes back in the caller's context
 * (the worker's, in the SFU) with the result. */
static void test_stop_async(void) {
  char *d = tmpdir();
  RecError err;
  Recorder *r = recorder_new(d, "v9", RECORDER_RECORDABLE, NULL, &err);
  g_assert_nonnull(r);
  GMainContext *ctx = g_main_context_new();
  g_main_context_push_thread_default(ctx);
  AsyncStop a = {.loop = g_main_loop_new(ctx, FALSE), .err = REC_ERR_INTERNAL};
  recorder_stop_async(r, ctx, on_stopped, &a);
  g_main_loop_run(a.loop);
  g_assert_nonnull(a.res);
  g_assert_cmpint(a.err, ==, REC_OK);
  g_assert_true(a.thread == g_thread_self());
  g_assert_true(g_file_test(a.res->manifest_path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint(a.res->files->len, ==, 0);
  rec_result_free(a.res); /* r was freed by recorder_stop_async */
  g_main_context_pop_thread_default(ctx);
  g_main_loop_unref(a.loop);
  g_main_context_unref(ctx);
  rm_rf(d);
  g_free(d);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  gst_init(&argc, &argv);
  g_test_add_func("/rec/queue/order_and_counts", test_queue_order_and_counts);
  g_test_add_func("/rec/queue/bad_input", test_queue_bad_input);
  g_test_add_func("/rec/queue/reserve", test_queue_reserve);
  g_test_add_func("/rec/queue/slow_consumer_drops_never_blocks", test_queue_slow_consumer);
  g_test_add_func("/rec/fs/ids", test_ids);
  g_test_add_func("/rec/fs/private_files_hash_atomic", test_fs);
  g_test_add_func("/rec/policy/not_recordable_refused_nothing_created", test_policy_refuses);
  g_test_add_func("/rec/recorder/bad_requests", test_bad_requests);
  g_test_add_func("/rec/recorder/stop_async", test_stop_async);
  return g_test_run();
}
