#include "load_app.h"

#include <stdarg.h>

int64_t load_now_us(void) { return g_get_real_time(); }

void load_app_fatal(LoadApp *app, const char *fmt, ...) {
  if (app->fatal) return;
  va_list ap;
  va_start(ap, fmt);
  app->fatal = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_printerr("loadgen: fatal: %s\n", app->fatal);
  app->exit_code = 1;
  if (app->loop) g_main_loop_quit(app->loop);
}

void load_app_call_up(LoadApp *app, LoadCall *c) { c->signalled = true; }
