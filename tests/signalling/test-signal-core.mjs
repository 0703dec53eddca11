#!/usr/bin/env node
// The shape of signalling's inside holds (docs/architecture.md,
// "Signalling's inside"): the call core (signalling/sig_call*.c, .h) is pure
// — it includes no GLib, JSON, websocket, SFU or server header and reads no
// clock — and the files acting on live calls take every `now` from the
// server's injected clock (sig_clock.h), never a clock of their own.
// The headers expose per concept: main.c sees only sig_server.h, which
// defines no server struct.
// timeout: 30
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, check, done, diag } from './lib.mjs';

const dir = path.join(ROOT, 'signalling');
const files = fs.readdirSync(dir).filter((f) => /\.[ch]$/.test(f));
const read = (f) => fs.readFileSync(path.join(dir, f), 'utf8');
const includes = (text) => [...text.matchAll(/^#include\s+[<"]([^>"]+)[>"]/gm)].map((m) => m[1]);

const core = files.filter((f) => f.startsWith('sig_call'));
check(core.length >= 8, `the call core exists (${core.join(' ')})`);

const allowed = new Set(['stdbool.h', 'stddef.h', 'stdint.h', 'string.h',
  ...core.filter((f) => f.endsWith('.h'))]);
const badIncludes = core.flatMap((f) => includes(read(f)).filter((i) => !allowed.has(i)).map((i) => `${f}: ${i}`));
check(badIncludes.length === 0, `the call core includes only the C library and its own headers (found: ${badIncludes.join(', ') || 'none'})`);

const clockRe = /\b(time_now_(?:ms|unix)|time_mono_us|g_get_real_time|g_get_monotonic_time|clock_gettime|gettimeofday)\s*\(|\btime\s*\(\s*(?:NULL|0)?\s*\)/g;
const clockIn = (text) => [...text.matchAll(clockRe)].map((m) => m[1] || 'time()');
const readsClock = (f) => clockIn(read(f));
// The detector itself catches what it must (and not a mere mention in a name).
check(clockIn('a = time_now_ms(); b = time(NULL); c = g_get_real_time ();').join() === 'time_now_ms,time(),g_get_real_time' &&
  clockIn('sig_now_ms(s); started_time(x); /* time_now_unix */').length === 0, 'the clock detector finds clock reads and nothing else');
const coreClock = core.flatMap((f) => readsClock(f).map((c) => `${f}: ${c}`));
check(coreClock.length === 0, `the call core reads no clock (found: ${coreClock.join(', ') || 'none'})`);

// The files that act on live calls (they see the server's tables,
// sig_server_state.h) take every `now`
// from the server's injected clock (sig_now_ms / sig_now_unix); only
// sig_conn.c's message-rate bucket, a connection's limit rather than the
// call's, reads the monotonic clock. (I/O that is not the call's — booking
// events' stamps, HTTP timeouts, the process's instance name — may read
// clocks of its own.)
const mayRead = { 'sig_conn.c': ['time_mono_us'] };
const callFiles = files.filter((f) => f.endsWith('.c') && !f.startsWith('sig_call') && includes(read(f)).includes('sig_server_state.h'));
check(['sig_admit.c', 'sig_room.c', 'sig_relay.c', 'sig_moderate.c', 'sig_conn.c', 'sig_server.c'].every((f) => callFiles.includes(f)),
  `the files acting on live calls are found (${callFiles.join(' ')})`);
const stray = callFiles.flatMap((f) => readsClock(f).filter((c) => !(mayRead[f] || []).includes(c)).map((c) => `${f}: ${c}`));
const others = files.filter((f) => f.endsWith('.c') && !f.startsWith('sig_call') && !callFiles.includes(f));
diag(`clocks read outside the call logic: ${others.filter((f) => readsClock(f).length).map((f) => `${f} (${[...new Set(readsClock(f))].join(', ')})`).join('; ')}`);
check(stray.length === 0, `the call logic reads time only through the injected clock (stray: ${stray.join(', ') || 'none'})`);

const mainIncludes = includes(read('main.c')).filter((i) => i.startsWith('sig_'));
const inner = mainIncludes.filter((i) => ['sig_server_state.h', 'sig_room.h', 'sig_conn.h', 'sig_relay.h', 'sig_admit.h', 'sig_moderate.h'].includes(i));
check(inner.length === 0, `main.c sees only the server's public header (includes: ${mainIncludes.join(', ')})`);
const pub = read('sig_server.h');
check(!/^struct Sig\w+\s*\{/m.test(pub) && !/typedef struct\s+\w*\s*\{/.test(pub.replace(/typedef struct \{[^}]*\} SigSettings;/s, '')),
  'sig_server.h defines no struct but the settings (SigServer is opaque there)');
done();
