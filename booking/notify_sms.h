/* Text messages through GOV.UK Notify's HTTP API (v2): POST
 * {base}/v2/notifications/sms with a JSON body {phone_number, template_id,
 * personalisation, reference} and "Authorization: Bearer <JWT>", the JWT
 * signed HS256 with the API key's secret, iss = the service id, iat = now.
 * The API key is Notify's "{key_name}-{service_id}-{secret}" (two UUIDs at
 * the end). Booking renders the words (book_notify_text_*.c); the Notify
 * template, one per language, is expected to be "((body))".
 *
 * Outcomes: 201 sent (Notify's id kept as the reference); 429, 5xx, a
 * network or TLS failure: try again; any other answer (400 bad number,
 * 403 bad key): never. */
#ifndef PARLOUR_NOTIFY_SMS_H
#define PARLOUR_NOTIFY_SMS_H

#include <stddef.h>
#include <stdint.h>

#include "book_notify.h"

typedef struct {
  const char *base_url;    /* https://api.notifications.service.gov.uk */
  const char *api_key;     /* the whole Notify API key */
  const char *template_en; /* Notify template ids (UUIDs) */
  const char *template_cy;
  const char *ca_file;     /* PEM CAs for the API's certificate; NULL/"": the system's */
  int timeout_s;
} SmsSettings;

/* 1 when s is a UUID in text (8-4-4-4-12 hex). */
int notify_uuid_ok(const char *s);
/* Splits a Notify API key: 0, or -1 when it is not one. */
int notify_sms_parse_key(const char *key, char service_id[37], char secret[37]);
/* The bearer token: header.payload.signature, base64url without padding.
 * g_free it. */
char *notify_sms_jwt(const char *service_id, const char *secret, int64_t iat);
/* 1 for a phone number Notify could take (digits, at most one leading +,
 * spaces, 7..20 characters). */
int notify_phone_ok(const char *phone);

/* Sends text to phone. ref (Notify's notification id) on success. */
BookNotifyOutcome notify_sms_send(const SmsSettings *s, const char *phone, const char *lang,
                                  const char *text, const char *reference, int64_t now,
                                  char *ref, size_t refsize, char *err, size_t errsize);

#endif
