/* load_report: the loadgen's numbers, live and final.
 *
 * - A table line per interval: elapsed time, calls up, peers connected and
 *   failed, packets/s sent and received, received Mbit/s, loss in the
 *   interval, latency p50/p99 in the interval, the generator's own pacing
 *   lateness (if that grows the generator, not the server, is the limit).
 * - The final summary and the JSON report: per call, per peer, per received
 *   stream (packets, bytes, loss, reordering, jitter, latency, join to
 *   first packet and first key frame) and totals over the measurement
 *   window (from every call being up to the end), plus, when --server-pid
 *   was given, the server's CPU seconds per second and RSS over the window
 *   (from /proc), and the generator's own CPU.
 */
#ifndef PARLOUR_LOAD_REPORT_H
#define PARLOUR_LOAD_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "load_app.h"

void load_report_init(LoadApp *app);
void load_report_clear(LoadApp *app);
void load_report_header(LoadApp *app, FILE *out);
void load_report_line(LoadApp *app, FILE *out);
/* The measurement window starts now. */
void load_report_mark_start(LoadApp *app);
/* The window ends now: snapshot and print the summary. */
void load_report_final(LoadApp *app);
int load_report_write_json(LoadApp *app, const char *path, char *err, size_t errsize);
/* Every peer connected, none failed, and every subscriber got packets. */
bool load_report_ok(LoadApp *app);

/* /proc readings. CPU in seconds (user+system); RSS in KiB. -1 on error. */
double load_proc_cpu_seconds(int pid);
long load_proc_rss_kib(int pid);

#endif
