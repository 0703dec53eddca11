/* book_csp: booking's Content-Security-Policy. connect-src must name every
 * signalling origin a page may open a WebSocket to: [tokens] signal_url and,
 * with several signalling instances, each of [tokens] signal_urls (the
 * client fails over to another instance's URL from joined's `instances`,
 * client-web/js/call/session.mjs, which the CSP would otherwise block). */
#ifndef PARLOUR_BOOK_CSP_H
#define PARLOUR_BOOK_CSP_H

#include <stddef.h>

/* The origin ("wss://host:port") of a ws:// or wss:// URL into out. -1 (out
 * empty) for anything else, or a host with characters an origin never has,
 * so nothing from a setting can add a directive to the header. */
int book_csp_origin(const char *url, char *out, size_t outsize);

/* The header value (g_free it): signal_url's origin and each of extra's
 * (NULL-terminated, may be NULL), each origin once, in that order. */
char *book_csp_new(const char *signal_url, char *const *extra);

#endif
