/* GOV.UK Notify adapter for text messages (notify_sms.h). */
#include "notify_sms.h"

#include <glib.h>
#include <jansson.h>
#include <libsoup/soup.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

int notify_uuid_ok(const char *s) {
  if (!s || strlen(s) != 36) return 0;
  for (int i = 0; i < 36; i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return 0;
    } else if (!g_ascii_isxdigit(s[i])) {
      return 0;
    }
  }
  return 1;
}

int notify_sms_parse_key(const char *key, char service_id[37], char secret[37]) {
  size_t n = key ? strlen(key) : 0;
  if (n < 74 || key[n - 74] != '-' || key[n - 37] != '-') return -1;
  g_strlcpy(service_id, key + n - 73, 37);
  g_strlcpy(secret, key + n - 36, 37);
  return notify_uuid_ok(service_id) && notify_uuid_ok(secret) ? 0 : -1;
}

static char *b64url(const unsigned char *p, size_t n) {
  char *b = g_base64_encode(p, n);
  for (char *q = b; *q; q++)
    if (*q == '+') *q = '-';
    else if (*q == '/') *q = '_';
  char *eq = strchr(b, '=');
  if (eq) *eq = '\0';
  return b;
}

char *notify_sms_jwt(const char *service_id, const char *secret, int64_t iat) {
  static const char header[] = "{\"typ\":\"JWT\",\"alg\":\"HS256\"}";
  char *payload = g_strdup_printf("{\"iss\":\"%s\",\"iat\":%lld}", service_id, (long long)iat);
  char *h = b64url((const unsigned char *)header, strlen(header));
  char *p = b64url((const unsigned char *)payload, strlen(payload));
  char *input = g_strdup_printf("%s.%s", h, p);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int maclen = 0;
  HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)input, strlen(input), mac,
       &maclen);
  char *sig = b64url(mac, maclen);
  char *jwt = g_strdup_printf("%s.%s", input, sig);
  g_free(payload);
  g_free(h);
  g_free(p);
  g_free(input);
  g_free(sig);
  return jwt;
}

int notify_phone_ok(const char *phone) {
  if (!phone) return 0;
  size_t n = strlen(phone), digits = 0;
  if (n < 7 || n > 20) return 0;
  for (size_t i = 0; i < n; i++) {
    if (g_ascii_isdigit(phone[i]))
      digits++;
    else if (!(phone[i] == '+' && i == 0) && phone[i] != ' ')
      return 0;
  }
  return digits >= 7;
}

static BookNotifyOutcome fail(char *err, size_t n, BookNotifyOutcome o, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
static BookNotifyOutcome fail(char *err, size_t n, BookNotifyOutcome o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_vsnprintf(err, n, fmt, ap);
  va_end(ap);
  return o;
}

BookNotifyOutcome notify_sms_send(const SmsSettings *s, const char *phone, const char *lang,
                                  const char *text, const char *reference, int64_t now,
                                  char *ref, size_t refsize, char *err, size_t errsize) {
  if (refsize) ref[0] = '\0';
  if (errsize) err[0] = '\0';
  if (!notify_phone_ok(phone)) return fail(err, errsize, NOTIFY_PERMANENT, "not a phone number");
  char sid[37], secret[37];
  if (notify_sms_parse_key(s->api_key, sid, secret))
    return fail(err, errsize, NOTIFY_PERMANENT, "[notify] sms_api_key_file is not a Notify key");
  const char *tmpl = lang && !strcmp(lang, "cy") ? s->template_cy : s->template_en;
  if (!notify_uuid_ok(tmpl))
    return fail(err, errsize, NOTIFY_PERMANENT, "no Notify template for language %s", lang);

  json_t *body = json_pack("{s:s, s:s, s:{s:s}, s:s}", "phone_number", phone, "template_id", tmpl,
                           "personalisation", "body", text, "reference", reference);
  char *json = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  char *url = g_strdup_printf("%s/v2/notifications/sms", s->base_url);
  SoupMessage *msg = soup_message_new("POST", url);
  g_free(url);
  if (!msg) {
    free(json);
    return fail(err, errsize, NOTIFY_PERMANENT, "[notify] sms_api_url is not a URL");
  }
  char *jwt = notify_sms_jwt(sid, secret, now);
  char *auth = g_strdup_printf("Bearer %s", jwt);
  SoupMessageHeaders *hd = soup_message_get_request_headers(msg);
  soup_message_headers_replace(hd, "Authorization", auth);
  soup_message_headers_replace(hd, "User-Agent", "parlour-booking");
  GBytes *req = g_bytes_new_take(json, strlen(json));
  soup_message_set_request_body_from_bytes(msg, "application/json", req);
  g_bytes_unref(req);
  g_free(jwt);
  g_free(auth);

  SoupSession *session = soup_session_new_with_options("timeout", (guint)(s->timeout_s > 0 ? s->timeout_s : 30),
                                                       "idle-timeout", 1, NULL);
  GError *gerr = NULL;
  if (s->ca_file && *s->ca_file) {
    GTlsDatabase *db = g_tls_file_database_new(s->ca_file, &gerr);
    if (!db) {
      BookNotifyOutcome o = fail(err, errsize, NOTIFY_TRANSIENT, "TLS: cannot read %s: %s",
                                 s->ca_file, gerr->message);
      g_error_free(gerr);
      g_object_unref(msg);
      g_object_unref(session);
      return o;
    }
    soup_session_set_tls_database(session, db);
    g_object_unref(db);
  }
  GBytes *resp = soup_session_send_and_read(session, msg, NULL, &gerr);
  BookNotifyOutcome o;
  if (!resp) {
    o = fail(err, errsize, NOTIFY_TRANSIENT, "%s%s",
             gerr && gerr->domain == G_TLS_ERROR ? "TLS: " : "",
             gerr ? gerr->message : "no answer");
    if (gerr) g_error_free(gerr);
  } else {
    guint status = soup_message_get_status(msg);
    gsize n = 0;
    const char *data = g_bytes_get_data(resp, &n);
    json_t *j = json_loadb(data ? data : "", n, 0, NULL);
    if (status == 201) {
      const char *id = json_string_value(json_object_get(j, "id"));
      if (id && refsize) g_strlcpy(ref, id, refsize);
      o = NOTIFY_SENT;
    } else {
      /* Notify's errors: {"status_code":N,"errors":[{"error":...,"message":...}]} */
      json_t *e0 = json_array_get(json_object_get(j, "errors"), 0);
      const char *kind = json_string_value(json_object_get(e0, "error"));
      const char *m = json_string_value(json_object_get(e0, "message"));
      o = status == 429 || status >= 500 ? NOTIFY_TRANSIENT : NOTIFY_PERMANENT;
      fail(err, errsize, o, "Notify answered %u%s%s%s%.200s", status, kind ? " " : "",
           kind ? kind : "", m ? ": " : "", m ? m : "");
    }
    json_decref(j);
    g_bytes_unref(resp);
  }
  g_object_unref(msg);
  g_object_unref(session);
  return o;
}
