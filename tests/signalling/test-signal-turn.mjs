#!/usr/bin/env node
// TURN credentials in joined (issue 9): with [turn] urls set, every joined
// carries ice_servers with the configured URIs and time-limited TURN REST
// credentials (username "<expiry>:<participant>", credential
// base64(HMAC-SHA1(secret, username)), what coturn's use-auth-secret
// checks), valid until the visit's end plus the margin; without urls there
// is none; urls with an unreadable secret file refuses to start (exit 2).
// timeout: 90
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { makeVar, startSfu, startSignal, join, now, step, done, stopChecked, BIN } from './lib.mjs';

const v = makeVar('turn');
const sfu = await startSfu(v);
const URLS = ['turn:127.0.0.1:3478?transport=udp', 'turn:127.0.0.1:3478?transport=tcp'];
const sig = await startSignal(v, { sfus: [sfu], extra: { turn: { urls: URLS.join(';'), secret_file: `${v.dir}/secrets/turn.secret`, ttl_margin_s: 600 } } });
const plain = await startSignal(v, { sfus: [sfu], name: 'signal-plain' });
const secret = fs.readFileSync(`${v.dir}/secrets/turn.secret`, 'utf8').split('\n')[0].trim();
const W = { start: now() - 60, end: now() + 1800 };
let j;
await step('joined carries ice_servers with the configured TURN URIs', async () => {
  const c = await join(sig, v, { ...W, room: 'visit-turn-1', sub: 'prisoner-1', role: 'prisoner' });
  j = c.joined;
  const s = j.ice_servers && j.ice_servers[0];
  return j.ice_servers.length === 1 && JSON.stringify(s.urls) === JSON.stringify(URLS) && typeof s.username === 'string' && typeof s.credential === 'string';
});
await step('username is <expiry>:<participant>, expiring at the visit end + the margin', async () => {
  const [exp, user] = j.ice_servers[0].username.split(':');
  return user === 'prisoner-1' && Math.abs(Number(exp) - (W.end + 600)) <= 5;
});
await step('credential = base64(HMAC-SHA1(secret, username)) (coturn\'s TURN REST check)', async () => {
  const s = j.ice_servers[0];
  return crypto.createHmac('sha1', secret).update(s.username).digest('base64') === s.credential;
});
await step('a participant id with ":" gets "_" in the TURN username (coturn splits at the first ":")', async () => {
  const c = await join(sig, v, { ...W, room: 'visit-turn-1', sub: 'visitor:7', role: 'visitor' });
  return c.joined.ice_servers[0].username.endsWith(':visitor_7');
});
await step('without [turn] urls joined has no ice_servers', async () => {
  const c = await join(plain, v, { ...W, room: 'visit-turn-2', sub: 'prisoner-2', role: 'prisoner' });
  return c.joined.ice_servers === undefined;
});
await step('urls set with a missing secret file: refuses to start, exit 2, one-line error naming [turn] secret_file', async () => {
  const conf = path.join(v.dir, 'bad-turn.ini');
  fs.writeFileSync(conf, fs.readFileSync(path.join(v.dir, 'signal-plain.ini'), 'utf8') + `\n[turn]\nurls=${URLS[0]}\nsecret_file=${v.dir}/secrets/nope.secret\n`);
  try {
    execFileSync(path.join(BIN, 'parlour-signal'), ['--config', conf], { stdio: 'pipe', timeout: 10000 });
    return false;
  } catch (e) {
    const err = String(e.stderr);
    return e.status === 2 && /turn/.test(err) && /secret_file/.test(err) && err.trim().split('\n').length === 1;
  }
});
await step('a secret file too short to be a secret (under 16 characters): refuses to start, exit 2, one line naming [sfu] secret_file', async () => {
  const conf = path.join(v.dir, 'short-secret.ini');
  fs.writeFileSync(path.join(v.dir, 'secrets/short.secret'), ' short-secret \n');
  fs.writeFileSync(conf, fs.readFileSync(path.join(v.dir, 'signal-plain.ini'), 'utf8')
    .replace(/^(\[sfu\][^[]*?secret_file=).*$/m, `$1${v.dir}/secrets/short.secret`));
  if (!fs.readFileSync(conf, 'utf8').includes('short.secret')) return false;
  try {
    execFileSync(path.join(BIN, 'parlour-signal'), ['--config', conf], { stdio: 'pipe', timeout: 10000 });
    return false;
  } catch (e) {
    const err = String(e.stderr);
    return e.status === 2 && /\[sfu\] secret_file/.test(err) && /under 16 characters/.test(err) && err.trim().split('\n').length === 1;
  }
});
await stopChecked(sig, 'signal');
await stopChecked(plain, 'signal-plain');
await stopChecked(sfu, 'sfu');
await done();
