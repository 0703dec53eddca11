#!/usr/bin/env node
// An interpreter joins a call (issue 19 part 5) with the real daemons:
// booking (demo, admission required), signalling, the SFU, and two
// GStreamer webrtcbin peers (prog_signal_peer) with join tokens from
// booking. The demo BSL interpreter (interpreter.ivy, approved for every
// demo social call) joins first; the prisoner then joins and signalling's
// roster lists the interpreter with role "interpreter" and name
// "Interpreter (BSL)"; media flows both ways (>= 60 video frames and audio
// decoded by each). Once booking staff remove the interpreter, signalling's
// admission check turns a new join away.
// timeout: 240
import fs from 'node:fs';
import path from 'node:path';
import { startBooking, Client, sql } from '../booking/lib.mjs';
import { startSfu, startSignal, spawnSignalPeer, check, done, diag, ARTIFACTS, ORIGIN, stopChecked } from './lib.mjs';

const env = await startBooking({ demo: true });
const logDir = path.join(ARTIFACTS, 'logs', 'signalling-interpreter');
fs.rmSync(logDir, { recursive: true, force: true });
fs.mkdirSync(logDir, { recursive: true });
const v = { dir: path.join(env.dir, 'var'), logDir, ca: env.ca };
const sfu = await startSfu(v);
const sig = await startSignal(v, { sfus: [sfu], booking: env.base, admission: 'required' });
await sig.waitLog(/event=decisions_started/, 10000);

const staff = new Client(env); await staff.signIn('staff.booking');
const tom = new Client(env); await tom.signIn('prisoner.tom');
const ivy = new Client(env); await ivy.signIn('interpreter.ivy');
const IVY = `interpreter-${sql(env, "SELECT id FROM users WHERE username='interpreter.ivy'")}`;

async function token(name, client, visit) {
  const r = await client.post(`/visits/${visit}/join-token`);
  if (r.status !== 200) throw new Error(`${name}: join-token ${r.status} ${JSON.stringify(r.json)}`);
  const f = path.join(v.dir, `${name}.token`);
  fs.writeFileSync(f, r.json.token);
  return f;
}
const peer = (name, tokenFile, visit, extra) => spawnSignalPeer(name, ['--url', sig.url, '--ca', path.join(v.dir, 'tls/cert.pem'),
  '--origin', ORIGIN, '--room', visit, '--token-file', tokenFile, ...extra], logDir);

try {
  const r = await staff.post('/demo/visits', { type: 'social', length_minutes: 30, start_in_minutes: 0 });
  check(r.status === 201, 'a demo social call starting now', JSON.stringify(r.json));
  const visit = r.json.id;
  check(sql(env, `SELECT count(*) FROM visit_interpreters WHERE visit_id='${visit}' AND removed_at IS NULL`) === '1', 'the demo interpreter is approved for it');
  const ivyTok = await token('interpreter', ivy, visit);
  const pI = peer('interpreter', ivyTok, visit, ['--frames', '60', '--timeout', '60', '--linger', '5']);
  await pI.wait((l) => l.event === 'joined', 20000, 'interpreter joined');
  check(true, 'signalling admitted the interpreter (admission required: booking said yes)');
  const pT = peer('prisoner', await token('prisoner', tom, visit), visit, ['--frames', '60', '--timeout', '60', '--linger', '5']);
  const jT = await pT.wait((l) => l.event === 'joined', 20000, 'prisoner joined');
  const seen = (jT.participants || []).find((p) => p.id === IVY);
  diag(`roster the prisoner got: ${JSON.stringify(jT.participants)}`);
  check(seen && seen.role === 'interpreter' && seen.name === 'Interpreter (BSL)', 'the roster labels them role interpreter, "Interpreter (BSL)"', seen);
  const [cI, cT] = [await pI.exit, await pT.exit];
  const vI = pI.lines.filter((l) => l.result).at(-1) || pI.lines.at(-1) || {};
  const vT = pT.lines.filter((l) => l.result).at(-1) || pT.lines.at(-1) || {};
  check(cI === 0 && vI.frames >= 60 && vI.audio_buffers > 50, `the interpreter decoded the prisoner (${vI.frames} frames, ${vI.audio_buffers} audio buffers)`, vI);
  check(cT === 0 && vT.frames >= 60 && vT.audio_buffers > 50, `the prisoner decoded the interpreter (${vT.frames} frames, ${vT.audio_buffers} audio buffers)`, vT);

  // removed: a token minted before removal is turned away by admission
  const late = await token('interpreter-late', ivy, visit);
  const rm = await staff.post(`/visits/${visit}/interpreters/1/remove`);
  check(rm.status === 200, 'booking staff remove the interpreter');
  await sig.waitLog(/event=participant_removed .*participant=interpreter-\d+ by=booking reason=interpreter_removed/, 10000);
  check(true, 'the removal reached signalling (decisions channel: remove_participant, interpreter_removed)');
  const pL = peer('interpreter-late', late, visit, ['--frames', '1', '--timeout', '10']);
  const codeL = await pL.exit;
  const refused = pL.lines.find((l) => l.event === 'error');
  check(codeL !== 0 && !pL.lines.some((l) => l.event === 'joined') && refused && refused.error.code === 'not_participant',
    'removed: signalling\'s admission check refuses them (not_participant), even with a token minted before', JSON.stringify(pL.lines.slice(-3)));
} catch (e) {
  check(false, 'test-signal-interpreter ran to the end', String(e && e.stack));
} finally {
  await stopChecked(sig, 'signalling');
  await stopChecked(sfu, 'sfu');
  await env.stop();
  done();
}
