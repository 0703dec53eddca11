/* Notifications, the parts without a database (book_notify.h,
 * notify_smtp.h, notify_sms.h): the English and Welsh templates, the time
 * as people read it (GMT and BST), the retry planner, the Notify key and
 * JWT, address checks, and the SMTP client against a scripted server on a
 * loopback socket that answers badly in every way we could think of. */
#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "book_notify.h"
#include "book_notify_text.h"
#include "notify_sms.h"
#include "notify_smtp.h"

static const char *const EVENTS[] = {"booked",   "requested", "amended", "approved",
                                     "rejected", "cancelled", "reminder"};

/* 2026-12-08 14:00 UTC (GMT: 2pm) and 2026-07-07 13:30 UTC (BST: 2:30pm). */
#define WINTER 1796738400LL
#define SUMMER 1783431000LL

static void test_templates_both_languages(void) {
  BookNotifyFacts f = {"HMP Test", "WHEN-TEXT", "https://x.example/sign-in"};
  for (size_t i = 0; i < G_N_ELEMENTS(EVENTS); i++) {
    for (int l = 0; l < 2; l++) {
      const char *lang = l ? "cy" : "en";
      BookNotifyMessage m;
      g_assert_cmpint(book_notify_render(lang, EVENTS[i], &f, &m), ==, 0);
      const char *parts[] = {m.subject, m.body, m.sms};
      for (int p = 0; p < 3; p++) {
        g_assert_null(strstr(parts[p], "(("));
        g_assert_null(strstr(parts[p], "))"));
        g_assert_true(g_utf8_validate(parts[p], -1, NULL));
      }
      g_assert_nonnull(strstr(m.body, "HMP Test"));
      g_assert_nonnull(strstr(m.body, "WHEN-TEXT"));
      g_assert_nonnull(strstr(m.sms, "HMP Test"));
      g_assert_nonnull(strstr(m.sms, "WHEN-TEXT"));
      g_assert_nonnull(strstr(m.body, l ? "Parlour yw hon" : "automatic message"));
      /* Two SMS parts at most with a long prison name and date. */
      g_assert_cmpint(g_utf8_strlen(m.sms, -1), <=, 280);
      book_notify_message_clear(&m);
    }
  }
  /* Welsh is Welsh, English is English. */
  BookNotifyMessage en, cy;
  g_assert_cmpint(book_notify_render("en", "cancelled", &f, &en), ==, 0);
  g_assert_cmpint(book_notify_render("cy", "cancelled", &f, &cy), ==, 0);
  g_assert_cmpstr(en.subject, ==, "Your video visit is cancelled");
  g_assert_cmpstr(cy.subject, ==, "Mae eich ymweliad fideo wedi'i ganslo");
  g_assert_nonnull(strstr(cy.body, "Carchar: HMP Test"));
  g_assert_nonnull(strstr(en.body, "Prison: HMP Test"));
  book_notify_message_clear(&en);
  book_notify_message_clear(&cy);
  BookNotifyMessage m;
  g_assert_cmpint(book_notify_render("fr", "booked", &f, &m), ==, -1);
  g_assert_cmpint(book_notify_render("en", "exploded", &f, &m), ==, -1);
  g_assert_cmpint(book_notify_render(NULL, "booked", &f, &m), ==, -1);
  g_assert_true(book_notify_event_ok("reminder"));
  g_assert_false(book_notify_event_ok("nope"));
}

/* The two tables stay in step: the same events in the same order. */
static void test_templates_in_step(void) {
  size_t n = 0;
  for (; book_notify_text_en[n].event; n++) {
    g_assert_nonnull(book_notify_text_cy[n].event);
    g_assert_cmpstr(book_notify_text_en[n].event, ==, book_notify_text_cy[n].event);
    for (int l = 0; l < 2; l++) {
      const BookNotifyText *t = l ? &book_notify_text_cy[n] : &book_notify_text_en[n];
      g_assert_nonnull(strstr(t->body, "((establishment))"));
      g_assert_nonnull(strstr(t->body, "((when))"));
      g_assert_nonnull(strstr(t->sms, "((when))"));
    }
  }
  g_assert_null(book_notify_text_cy[n].event);
  g_assert_cmpuint(n, ==, G_N_ELEMENTS(EVENTS));
}

static void test_format_when(void) {
  char out[96];
  const int64_t H = 3600;
  g_assert_cmpint(book_notify_format_when(WINTER, WINTER + H, NULL, "en", out, sizeof out), ==, 0);
  g_assert_cmpstr(out, ==, "Tuesday 8 December 2026, 2pm to 3pm");
  g_assert_cmpint(book_notify_format_when(WINTER, WINTER + H, NULL, "cy", out, sizeof out), ==, 0);
  g_assert_cmpstr(out, ==, "Dydd Mawrth 8 Rhagfyr 2026, 2yp i 3yp");
  /* British Summer Time: an hour ahead of UTC. */
  g_assert_cmpint(
      book_notify_format_when(SUMMER, SUMMER + H, "Europe/London", "en", out, sizeof out), ==, 0);
  g_assert_cmpstr(out, ==, "Tuesday 7 July 2026, 2:30pm to 3:30pm");
  g_assert_cmpint(book_notify_format_when(SUMMER, SUMMER + H, NULL, "cy", out, sizeof out), ==, 0);
  g_assert_cmpstr(out, ==, "Dydd Mawrth 7 Gorffennaf 2026, 2:30yp i 3:30yp");
  /* The establishment's zone, not London's. */
  g_assert_cmpint(
      book_notify_format_when(WINTER, WINTER + H, "America/New_York", "en", out, sizeof out), ==, 0);
  g_assert_cmpstr(out, ==, "Tuesday 8 December 2026, 9am to 10am");
  g_assert_cmpint(book_notify_format_when(WINTER - 2 * H, WINTER, NULL, "en", out, sizeof out), ==, 0);
  g_assert_cmpstr(out, ==, "Tuesday 8 December 2026, midday to 2pm");
  g_assert_cmpint(book_notify_format_when(WINTER + 10 * H, WINTER + 11 * H, NULL, "en", out, sizeof out),
                  ==, 0);
  g_assert_cmpstr(out, ==, "Wednesday 9 December 2026, midnight to 1am");
  g_assert_cmpint(book_notify_format_when(WINTER - 5 * H - 15 * 60, WINTER - 4 * H, NULL, "en", out,
                                          sizeof out),
                  ==, 0);
  g_assert_cmpstr(out, ==, "Tuesday 8 December 2026, 8:45am to 10am");
  g_assert_cmpint(book_notify_format_when(WINTER, WINTER + H, NULL, "de", out, sizeof out), ==, -1);
  g_assert_cmpint(book_notify_format_when(WINTER, WINTER + H, "Not/AZone", "en", out, sizeof out),
                  ==, -1);
  g_assert_cmpint(book_notify_format_when(WINTER, WINTER + H, NULL, "en", out, 10), ==, -1);
}

static void test_retry_plan(void) {
  BookNotifyRetryPolicy p = {5, 60, 600};
  BookNotifyPlan r = book_notify_plan(&p, 1, NOTIFY_SENT, 1000);
  g_assert_cmpstr(r.status, ==, "sent");
  r = book_notify_plan(&p, 1, NOTIFY_TRANSIENT, 1000);
  g_assert_cmpstr(r.status, ==, "queued");
  g_assert_cmpint(r.next_attempt_at, ==, 1060);
  r = book_notify_plan(&p, 2, NOTIFY_TRANSIENT, 1000);
  g_assert_cmpint(r.next_attempt_at, ==, 1120);
  r = book_notify_plan(&p, 3, NOTIFY_TRANSIENT, 1000);
  g_assert_cmpint(r.next_attempt_at, ==, 1240);
  r = book_notify_plan(&p, 4, NOTIFY_TRANSIENT, 1000);
  g_assert_cmpint(r.next_attempt_at, ==, 1480);
  r = book_notify_plan(&p, 5, NOTIFY_TRANSIENT, 1000); /* the last attempt */
  g_assert_cmpstr(r.status, ==, "failed");
  r = book_notify_plan(&p, 1, NOTIFY_PERMANENT, 1000);
  g_assert_cmpstr(r.status, ==, "failed");
  r = book_notify_plan(&p, 9, NOTIFY_SENT, 1000); /* a reclaimed row that went after all */
  g_assert_cmpstr(r.status, ==, "sent");
  /* The cap, and no overflow however many attempts. */
  BookNotifyRetryPolicy big = {1000, 60, 3600};
  r = book_notify_plan(&big, 7, NOTIFY_TRANSIENT, 0);
  g_assert_cmpint(r.next_attempt_at, ==, 3600);
  r = book_notify_plan(&big, 999, NOTIFY_TRANSIENT, 0);
  g_assert_cmpint(r.next_attempt_at, ==, 3600);
  BookNotifyRetryPolicy one = {1, 60, 3600};
  r = book_notify_plan(&one, 1, NOTIFY_TRANSIENT, 0);
  g_assert_cmpstr(r.status, ==, "failed");
}

static void test_addresses(void) {
  g_assert_true(smtp_address_ok("ann@example.org"));
  g_assert_true(smtp_address_ok("parlour@localhost"));
  g_assert_false(smtp_address_ok("ann"));
  g_assert_false(smtp_address_ok("@example.org"));
  g_assert_false(smtp_address_ok("ann@"));
  g_assert_false(smtp_address_ok("a@b@c.org"));
  g_assert_false(smtp_address_ok("ann@example.org\r\nRCPT TO:<x@y.z>"));
  g_assert_false(smtp_address_ok("ann smith@example.org"));
  g_assert_false(smtp_address_ok("<ann@example.org>"));
  g_assert_false(smtp_address_ok("ann@nodot"));
  g_assert_false(smtp_address_ok(NULL));
  g_assert_true(notify_phone_ok("07700 900123"));
  g_assert_true(notify_phone_ok("+447700900123"));
  g_assert_false(notify_phone_ok("0770"));
  g_assert_false(notify_phone_ok("07700-900123"));
  g_assert_false(notify_phone_ok("0770+0900123"));
  g_assert_false(notify_phone_ok("+44 7700 900 123 456 789 0"));
  g_assert_false(notify_phone_ok(NULL));
}

static void test_notify_key_and_jwt(void) {
  const char *sid = "26785a09-ab16-4eb0-8407-a37497a57506";
  const char *sec = "3d844edf-8d35-48ac-975b-e847b4f122b0";
  char *key = g_strdup_printf("my_test_key-%s-%s", sid, sec);
  char s1[37], s2[37];
  g_assert_cmpint(notify_sms_parse_key(key, s1, s2), ==, 0);
  g_assert_cmpstr(s1, ==, sid);
  g_assert_cmpstr(s2, ==, sec);
  g_assert_cmpint(notify_sms_parse_key("short", s1, s2), ==, -1);
  g_assert_cmpint(notify_sms_parse_key(key + 12, s1, s2), ==, -1); /* no key name */
  char *bad = g_strdup(key);
  bad[strlen(bad) - 3] = 'z';
  g_assert_cmpint(notify_sms_parse_key(bad, s1, s2), ==, -1);
  g_free(bad);
  g_free(key);
  g_assert_true(notify_uuid_ok(sid));
  g_assert_false(notify_uuid_ok("26785a09ab164eb08407a37497a57506"));

  char *jwt = notify_sms_jwt(sid, sec, 1700000000);
  gchar **p = g_strsplit(jwt, ".", -1);
  g_assert_cmpuint(g_strv_length(p), ==, 3);
  /* base64url without padding: decode after restoring it. */
  for (int i = 0; i < 2; i++) {
    GString *b = g_string_new(p[i]);
    for (char *c = b->str; *c; c++) *c = *c == '-' ? '+' : *c == '_' ? '/' : *c;
    while (b->len % 4) g_string_append_c(b, '=');
    gsize n;
    guchar *dec = g_base64_decode(b->str, &n);
    char *txt = g_strndup((char *)dec, n);
    if (i == 0)
      g_assert_cmpstr(txt, ==, "{\"typ\":\"JWT\",\"alg\":\"HS256\"}");
    else
      g_assert_cmpstr(txt, ==, "{\"iss\":\"26785a09-ab16-4eb0-8407-a37497a57506\",\"iat\":1700000000}");
    g_free(txt);
    g_free(dec);
    g_string_free(b, TRUE);
  }
  char *input = g_strdup_printf("%s.%s", p[0], p[1]);
  unsigned char mac[32];
  unsigned int ml = 0;
  HMAC(EVP_sha256(), sec, (int)strlen(sec), (unsigned char *)input, strlen(input), mac, &ml);
  char *b = g_base64_encode(mac, ml);
  for (char *c = b; *c; c++) *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
  char *eq = strchr(b, '=');
  if (eq) *eq = '\0';
  g_assert_cmpstr(b, ==, p[2]);
  g_free(b);
  g_free(input);
  g_strfreev(p);
  g_free(jwt);
}

static void test_message_headers(void) {
  char *m = smtp_build_message("visits@parlour.example", "ann@example.org",
                               "Mae eich ymweliad fideo wedi'i ganslo", "Llinell un\n.dot\n", "cy",
                               WINTER);
  g_assert_nonnull(strstr(m, "From: Parlour <visits@parlour.example>\r\n"));
  g_assert_nonnull(strstr(m, "To: <ann@example.org>\r\n"));
  g_assert_nonnull(strstr(m, "Subject: =?UTF-8?B?"));
  g_assert_nonnull(strstr(m, "Date: Tue, 08 Dec 2026 14:00:00 +0000\r\n"));
  g_assert_nonnull(strstr(m, "Content-Language: cy\r\n"));
  g_assert_nonnull(strstr(m, "Content-Transfer-Encoding: base64\r\n"));
  g_assert_nonnull(strstr(m, "@parlour.example>\r\n"));
  g_free(m);
}

/* ---- a scripted SMTP server ---- */

typedef struct {
  const char *const *script; /* greeting, then one reply per client line; "CLOSE" hangs up,
                                "SILENT" says nothing; a reply after "354..." waits for the
                                data's end */
  int listen_fd;
  GString *seen; /* every line the client sent */
  GString *data;
} Script;

static gpointer serve(gpointer user) {
  Script *s = user;
  int fd = accept(s->listen_fd, NULL, NULL);
  if (fd < 0) return NULL;
  FILE *in = fdopen(dup(fd), "r");
  int in_data = 0;
  for (int i = 0; s->script[i]; i++) {
    if (i > 0) {
      char line[4096];
      if (!fgets(line, sizeof line, in)) break;
      g_string_append(s->seen, line);
      if (in_data) {
        while (strcmp(line, ".\r\n") != 0) {
          g_string_append(s->data, line);
          if (!fgets(line, sizeof line, in)) goto out;
        }
        in_data = 0;
      }
    }
    const char *r = s->script[i];
    if (!strcmp(r, "CLOSE")) break;
    if (!strcmp(r, "SILENT")) {
      char b[64];
      while (read(fd, b, sizeof b) > 0) {
      }
      break;
    }
    if (g_str_has_prefix(r, "354")) in_data = 1;
    if (write(fd, r, strlen(r)) < 0 || write(fd, "\r\n", 2) < 0) break;
  }
out:
  fclose(in);
  close(fd);
  return NULL;
}

static BookNotifyOutcome run_script(const char *const *script, const char *starttls,
                                    const char *to, const char *msg, char *err, size_t n,
                                    GString **data_out) {
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  g_assert_cmpint(bind(lfd, (struct sockaddr *)&a, sizeof a), ==, 0);
  g_assert_cmpint(listen(lfd, 1), ==, 0);
  socklen_t al = sizeof a;
  getsockname(lfd, (struct sockaddr *)&a, &al);
  Script s = {script, lfd, g_string_new(NULL), g_string_new(NULL)};
  GThread *t = g_thread_new("smtp-script", serve, &s);
  SmtpSettings ss = {"127.0.0.1", ntohs(a.sin_port), "visits@parlour.example", starttls, NULL, 1};
  BookNotifyOutcome o = smtp_send(&ss, to, msg, err, n);
  shutdown(lfd, SHUT_RDWR);
  g_thread_join(t);
  close(lfd);
  g_string_free(s.seen, TRUE);
  if (data_out)
    *data_out = s.data;
  else
    g_string_free(s.data, TRUE);
  return o;
}

#define OKS "220 test ESMTP", "250-test\r\n250 SIZE 100000", "250 ok", "250 ok", "354 go on"

static void test_smtp_happy_and_dot_stuffing(void) {
  const char *const script[] = {OKS, "250 queued", "221 bye", NULL};
  char err[256];
  GString *data = NULL;
  BookNotifyOutcome o = run_script(script, "auto", "ann@example.org",
                                   "Subject: x\r\n\r\nline\n.starts with a dot\n", err, sizeof err, &data);
  g_assert_cmpint(o, ==, NOTIFY_SENT);
  g_assert_cmpstr(err, ==, "");
  g_assert_nonnull(strstr(data->str, "\r\n..starts with a dot\r\n"));
  g_assert_nonnull(strstr(data->str, "line\r\n"));
  g_string_free(data, TRUE);
  /* Taken, then a QUIT answered with a long line of nonsense: still sent,
   * and the nonsense goes nowhere. */
  char *junk = g_strnfill(900, 'j');
  const char *const rude[] = {OKS, "250 queued", junk, NULL};
  char small[16] = "";
  g_assert_cmpint(run_script(rude, "auto", "ann@example.org", "x\r\n", small, sizeof small, NULL), ==,
                  NOTIFY_SENT);
  g_assert_cmpstr(small, ==, "");
  g_free(junk);
}

typedef struct {
  const char *name;
  const char *script[9];
  const char *starttls;
  BookNotifyOutcome want;
  const char *err_has;
} BadCase;

static void test_smtp_bad_servers(void) {
  static const BadCase cases[] = {
      {"greeting 554", {"554 go away", NULL}, "auto", NOTIFY_PERMANENT, "554 go away"},
      {"greeting 421", {"421 busy", NULL}, "auto", NOTIFY_TRANSIENT, "421 busy"},
      {"not SMTP", {"hello there", NULL}, "auto", NOTIFY_TRANSIENT, "not an SMTP reply"},
      {"code 999", {"999 what", NULL}, "auto", NOTIFY_TRANSIENT, "not an SMTP reply"},
      {"closed at once", {"CLOSE", NULL}, "auto", NOTIFY_TRANSIENT, "closed the connection"},
      {"silent", {"SILENT", NULL}, "auto", NOTIFY_TRANSIENT, "did not answer"},
      {"EHLO 500", {"220 x", "500 what", NULL}, "auto", NOTIFY_PERMANENT, "EHLO"},
      {"mixed multi-line", {"220 x", "250-a\r\n251 b", NULL}, "auto", NOTIFY_TRANSIENT, "changed its code"},
      {"closed after EHLO", {"220 x", "250 x", "CLOSE", NULL}, "auto", NOTIFY_TRANSIENT, "closed"},
      {"MAIL 452", {"220 x", "250 x", "452 full", NULL}, "auto", NOTIFY_TRANSIENT, "MAIL FROM"},
      {"RCPT 550", {"220 x", "250 x", "250 ok", "550 5.1.1 no such user", NULL}, "auto", NOTIFY_PERMANENT, "RCPT TO: the mail server answered \"550 5.1.1 no such user\""},
      {"RCPT 451", {"220 x", "250 x", "250 ok", "451 later", NULL}, "auto", NOTIFY_TRANSIENT, "451 later"},
      {"DATA 554", {"220 x", "250 x", "250 ok", "250 ok", "554 no", NULL}, "auto", NOTIFY_PERMANENT, "DATA"},
      {"DATA 250 out of sequence", {"220 x", "250 x", "250 ok", "250 ok", "250 huh", NULL}, "auto", NOTIFY_TRANSIENT, "DATA"},
      {"end 451", {OKS, "451 disk full", NULL}, "auto", NOTIFY_TRANSIENT, "end of message"},
      {"end 552", {OKS, "552 too big", NULL}, "auto", NOTIFY_PERMANENT, "552 too big"},
      {"closed in data", {OKS, "CLOSE", NULL}, "auto", NOTIFY_TRANSIENT, "closed"},
      {"TLS required, not offered", {"220 x", "250 x", NULL}, "require", NOTIFY_TRANSIENT, "does not offer STARTTLS"},
      {"STARTTLS refused", {"220 x", "250-x\r\n250 STARTTLS", "454 TLS not available", NULL}, "auto", NOTIFY_TRANSIENT, "STARTTLS"},
      {"TLS handshake garbage", {"220 x", "250-x\r\n250 STARTTLS", "220 go ahead", "this is not TLS at all", NULL}, "auto", NOTIFY_TRANSIENT, "TLS"},
      {"TLS handshake closed", {"220 x", "250-x\r\n250 STARTTLS", "220 go ahead", "CLOSE", NULL}, "auto", NOTIFY_TRANSIENT, "TLS"},
      {"data before handshake", {"220 x", "250-x\r\n250 STARTTLS", "220 go ahead\r\n250 injected", NULL}, "auto", NOTIFY_TRANSIENT, "before the handshake"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    char err[256] = "";
    BookNotifyOutcome o = run_script(cases[i].script, cases[i].starttls, "ann@example.org",
                                     "Subject: x\r\n\r\nbody\r\n", err, sizeof err, NULL);
    if (o != cases[i].want || !strstr(err, cases[i].err_has))
      g_error("%s: outcome %d (want %d), error \"%s\" (want \"%s\")", cases[i].name, o,
              cases[i].want, err, cases[i].err_has);
  }
  /* A line longer than SMTP allows. */
  char *longline = g_strnfill(3000, 'x');
  const char *const script[] = {longline, NULL};
  char err[256];
  g_assert_cmpint(run_script(script, "auto", "ann@example.org", "x", err, sizeof err, NULL), ==,
                  NOTIFY_TRANSIENT);
  g_assert_nonnull(strstr(err, "longer than SMTP allows"));
  g_free(longline);
}

static void test_smtp_no_server_and_bad_address(void) {
  char err[256];
  /* A port nobody listens on (bound, never listened). */
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bind(fd, (struct sockaddr *)&a, sizeof a);
  socklen_t al = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &al);
  SmtpSettings ss = {"127.0.0.1", ntohs(a.sin_port), "visits@parlour.example", "auto", NULL, 1};
  g_assert_cmpint(smtp_send(&ss, "ann@example.org", "x", err, sizeof err), ==, NOTIFY_TRANSIENT);
  g_assert_nonnull(strstr(err, "cannot connect"));
  close(fd);
  g_assert_cmpint(smtp_send(&ss, "not-an-address", "x", err, sizeof err), ==, NOTIFY_PERMANENT);
  g_assert_cmpstr(err, ==, "not an email address");
  SmtpSettings bad_host = {"host.invalid", 25, "visits@parlour.example", "auto", NULL, 1};
  g_assert_cmpint(smtp_send(&bad_host, "ann@example.org", "x", err, sizeof err), ==, NOTIFY_TRANSIENT);
  g_assert_nonnull(strstr(err, "cannot resolve"));
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/booking/notify/templates_both_languages", test_templates_both_languages);
  g_test_add_func("/booking/notify/templates_in_step", test_templates_in_step);
  g_test_add_func("/booking/notify/format_when", test_format_when);
  g_test_add_func("/booking/notify/retry_plan", test_retry_plan);
  g_test_add_func("/booking/notify/addresses", test_addresses);
  g_test_add_func("/booking/notify/notify_key_and_jwt", test_notify_key_and_jwt);
  g_test_add_func("/booking/notify/message_headers", test_message_headers);
  g_test_add_func("/booking/notify/smtp_happy_and_dot_stuffing", test_smtp_happy_and_dot_stuffing);
  g_test_add_func("/booking/notify/smtp_bad_servers", test_smtp_bad_servers);
  g_test_add_func("/booking/notify/smtp_no_server_and_bad_address", test_smtp_no_server_and_bad_address);
  return g_test_run();
}
