/* book_csp: booking's Content-Security-Policy with every signalling origin
 * (book_csp.h). */
#include "book_csp.h"

#include <glib.h>
#include <string.h>

int book_csp_origin(const char *url, char *out, size_t outsize) {
  if (outsize) out[0] = '\0';
  if (!url) return -1;
  size_t skip;
  if (g_str_has_prefix(url, "wss://"))
    skip = 6;
  else if (g_str_has_prefix(url, "ws://"))
    skip = 5;
  else
    return -1;
  size_t n = skip;
  while (url[n] && url[n] != '/') {
    char c = url[n];
    /* host, IPv6 brackets, port: nothing else (no space, ';', quote, '*', '@') */
    if (!g_ascii_isalnum(c) && !strchr(".-:[]", c)) return -1;
    n++;
  }
  if (n == skip || n >= outsize) return -1;
  memcpy(out, url, n);
  out[n] = '\0';
  return 0;
}

char *book_csp_new(const char *signal_url, char *const *extra) {
  GString *origins = g_string_new("");
  GPtrArray *seen = g_ptr_array_new_with_free_func(g_free);
  char o[256];
  for (size_t i = 0; i == 0 || (extra && extra[i - 1]); i++) {
    const char *url = i == 0 ? signal_url : extra[i - 1];
    if (book_csp_origin(url, o, sizeof o) != 0) continue;
    gboolean dup = FALSE;
    for (guint j = 0; j < seen->len; j++) dup = dup || strcmp(seen->pdata[j], o) == 0;
    if (dup) continue;
    g_ptr_array_add(seen, g_strdup(o));
    g_string_append_printf(origins, " %s", o);
  }
  g_ptr_array_free(seen, TRUE);
  char *csp = g_strdup_printf(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' "
      "data:; font-src 'self'; media-src 'self' blob: mediastream:; "
      "connect-src 'self'%s; object-src 'none'; base-uri 'self'; "
      "form-action 'self'; frame-ancestors 'none'",
      origins->str);
  g_string_free(origins, TRUE);
  return csp;
}
