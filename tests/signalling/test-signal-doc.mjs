#!/usr/bin/env node
// docs/signalling-protocol.md and the code say the same thing: every
// message type the server sends or accepts, and every error code it can
// answer, is documented; every code or type the document's tables name
// exists in the code. (The behaviour behind each is tested by the other
// test-signal-* files.)
// timeout: 30
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, check, done, diag } from './lib.mjs';

const doc = fs.readFileSync(path.join(ROOT, 'docs/signalling-protocol.md'), 'utf8');
const srcFiles = fs.readdirSync(path.join(ROOT, 'signalling')).filter((f) => f.endsWith('.c'));
const src = srcFiles.map((f) => fs.readFileSync(path.join(ROOT, 'signalling', f), 'utf8')).join('\n');
const tokenSrc = fs.readFileSync(path.join(ROOT, 'common/token.c'), 'utf8');
const inDoc = (w) => doc.includes(`\`${w}\``);

// Each call statement, from its name to the ';' that ends it.
function calls(name) {
  const out = [];
  const re = new RegExp(`\\b${name}\\(`, 'g');
  let m;
  while ((m = re.exec(src))) {
    const stmt = src.slice(m.index, src.indexOf(';', m.index));
    if (!/^\w+\((SigConn|SigJoinError) \*/.test(stmt)) out.push(stmt); // not the definition
  }
  return out;
}
const lits = (s) => [...s.matchAll(/"([^"\\]*)"/g)].map((x) => x[1]);
const snake = (w) => /^[a-z]+(_[a-z0-9]+)*$/.test(w);

// Error codes: the snake_case literals before the first human message.
const codes = new Set();
for (const fn of ['sig_send_error', 'refuse', 'fail']) {
  for (const c of calls(fn)) {
    for (const l of lits(c)) {
      if (!snake(l)) break;
      codes.add(l);
    }
  }
}
// The token verifier's own codes reach clients unchanged.
for (const l of lits(tokenSrc)) if (/^token_[a-z_]+$/.test(l)) codes.add(l);
codes.delete('err');
codes.delete('token_unknown'); // token_status_code's fallback for a status that does not exist
// Message types the server sends: the first literal of sig_send/sig_broadcast.
const sent = new Set();
for (const fn of ['sig_send', 'sig_broadcast']) for (const c of calls(fn)) { const l = lits(c)[0]; if (l && snake(l)) sent.add(l); }
sent.add('error');
// Message types the server accepts: known_types in sig_conn.c.
const known = lits(src.slice(src.indexOf('known_types[]'), src.indexOf('NULL};', src.indexOf('known_types[]'))));

diag(`codes: ${[...codes].sort().join(' ')}`);
diag(`sent: ${[...sent].sort().join(' ')}`);
diag(`accepted: ${known.join(' ')}`);
const undocCodes = [...codes].filter((c) => !inDoc(c) && c !== 'ok');
check(codes.size > 25 && undocCodes.length === 0, `every error code the server can send is documented (missing: ${undocCodes.join(', ') || 'none'})`);
const undocSent = [...sent].filter((t) => !inDoc(t));
check(sent.size > 15 && undocSent.length === 0, `every message type the server sends is documented (missing: ${undocSent.join(', ') || 'none'})`);
const undocKnown = known.filter((t) => !inDoc(t));
check(known.length >= 10 && undocKnown.length === 0, `every message type the server accepts is documented (missing: ${undocKnown.join(', ') || 'none'})`);

// The other way: each single `name` in a table's first column exists in the code.
const firstCol = [...doc.matchAll(/^\| `([a-z_0-9]+)` \|/gm)].map((m) => m[1]);
const unknownInDoc = firstCol.filter((w) => !src.includes(`"${w}"`) && !tokenSrc.includes(`"${w}"`));
check(firstCol.length > 40 && unknownInDoc.length === 0, `every code and type in the document's tables exists in the code (${firstCol.length} checked; unknown: ${unknownInDoc.join(', ') || 'none'})`);
// Close codes: each SIG_CLOSE_* value is in the document's close-code table.
const closeCodes = [...fs.readFileSync(path.join(ROOT, 'signalling/sig_conn.h'), 'utf8').matchAll(/#define SIG_CLOSE_\w+ (\d+)/g)].map((m) => m[1]);
const undocClose = closeCodes.filter((c) => !new RegExp(`^\\| ${c} \\|`, 'm').test(doc));
check(closeCodes.length >= 7 && undocClose.length === 0, `every close code is documented (missing: ${undocClose.join(', ') || 'none'})`);
done();
