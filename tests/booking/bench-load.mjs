// Load generator for `make bench-booking` (scripts/bench-booking): drives a
// real parlour-booking over HTTPS with keep-alive connections and reports
// requests per second and latency percentiles for slot availability queries
// and for bookings. Not a test: it asserts nothing and prints figures.
// With wrk installed (scripts/install-deps) wrk generates the load (one
// thread: it needs far less CPU than Node, which matters on two cores);
// otherwise this script's own Node.js client does (BENCH_CLIENT=node forces it).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import { Client, ENGINE, request, sql, startBooking, startPostgres } from './lib.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const CONC = Number(process.env.BENCH_CONCURRENCY || 16);
const PRISONERS = 2000;
let WRK = null;
if (process.env.BENCH_CLIENT !== 'node') {
  try { WRK = execFileSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).trim() || null; } catch { WRK = null; }
}

// Runs wrk with a Lua script; returns the same figures as phase().
function wrkPhase(name, env, lua) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-wrk-'));
  const script = path.join(dir, 'b.lua');
  fs.writeFileSync(script, lua);
  const cpu0 = serverCpu(env), db0 = dbCpu();
  const t0 = Date.now();
  const out = execFileSync(WRK, ['-t1', `-c${CONC}`, `-d${SECONDS}s`, '--latency', '--timeout', '10s', '-s', script, env.base], { encoding: 'utf8' });
  const secs = (Date.now() - t0) / 1000;
  const cpu = serverCpu(env) - cpu0, dbc = dbCpu() - db0;
  fs.rmSync(dir, { recursive: true, force: true });
  const ms = (v) => { const m = /([\d.]+)(us|ms|s)/.exec(v); return m ? +(Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]]).toFixed(2) : null; };
  const pctl = (p) => { const m = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out); return m ? ms(m[1]) : null; };
  const requests = Number((/(\d+) requests in/.exec(out) || [])[1]);
  const non2xx = Number((/Non-2xx or 3xx responses: (\d+)/.exec(out) || [0, 0])[1]);
  const errors = (/Socket errors:.*/.exec(out) || [''])[0];
  const res = { engine: ENGINE, name, client: 'wrk -t1', requests, seconds: +secs.toFixed(2), per_second: Number((/Requests\/sec:\s+([\d.]+)/.exec(out) || [])[1]),
    p50_ms: pctl(50), p99_ms: pctl(99), max_ms: ms((/Latency\s+\S+\s+\S+\s+(\S+)/.exec(out) || [])[1] || ''),
    server_cpu_ms_per_request: +((cpu * 1000) / requests).toFixed(3), server_cpu_share: +(cpu / secs).toFixed(2),
    database_cpu_ms_per_request: +((dbc * 1000) / requests).toFixed(3),
    non_2xx: non2xx, socket_errors: errors || null };
  console.log(JSON.stringify(res));
  return res;
}

// CPU seconds the daemon used so far (user + system), from /proc.
function procCpu(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (100 Hz)
  } catch { return 0; }
}
function serverCpu(env) { return procCpu(env.proc.pid); }
// PostgreSQL's share: the postmaster and every backend it started (the
// daemon's connection does the work), so the two engines compare whole.
function dbCpu() {
  if (ENGINE !== 'postgresql') return 0;
  const pm = Number(fs.readFileSync(path.join(startPostgres().dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  let t = procCpu(pm);
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = fs.readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ');
      if (Number(f[1]) === pm) t += (Number(f[11]) + Number(f[12])) / 100;
    } catch { /* gone */ }
  }
  return t;
}

function pct(sorted, p) { return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]; }

async function phase(name, env, clients, makeReq) {
  const lat = [];
  const statuses = {};
  const end = Date.now() + SECONDS * 1000;
  let i = 0;
  const t0 = process.hrtime.bigint();
  const cpu0 = serverCpu(env), db0 = dbCpu();
  await Promise.all(clients.map(async (c) => {
    while (Date.now() < end) {
      const [m, p, body] = makeReq(i++);
      const s = process.hrtime.bigint();
      const r = await request(env, m, p, { body, headers: c.headers(), noParse: true });
      lat.push(Number(process.hrtime.bigint() - s) / 1e6);
      statuses[r.status] = (statuses[r.status] || 0) + 1;
    }
  }));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = serverCpu(env) - cpu0, dbc = dbCpu() - db0;
  lat.sort((a, b) => a - b);
  const out = { engine: ENGINE, name, client: 'node', requests: lat.length, seconds: +secs.toFixed(2), per_second: +(lat.length / secs).toFixed(1),
    p50_ms: +pct(lat, 0.5).toFixed(2), p99_ms: +pct(lat, 0.99).toFixed(2), max_ms: +lat[lat.length - 1].toFixed(2),
    server_cpu_ms_per_request: +((cpu * 1000) / lat.length).toFixed(3), server_cpu_share: +(cpu / secs).toFixed(2),
    database_cpu_ms_per_request: +((dbc * 1000) / lat.length).toFixed(3), statuses };
  console.log(JSON.stringify(out));
  return out;
}

const SYNC_FULL = process.env.BENCH_SYNC_FULL !== 'false';
const env = await startBooking({ demo: true, ini: `[log]\nlevel = warn\n[database]\nsync_full = ${SYNC_FULL}\n` });
try {
  env.agent = new https.Agent({ keepAlive: true, maxSockets: CONC });
  // Room for many bookings: PRISONERS more prisoners with Ann as a contact, big slots.
  sql(env, `BEGIN;
    INSERT INTO prisoners(id, prison_number, name, establishment_id, status, vo_balance, vo_allocated_on)
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${PRISONERS - 1})
      SELECT 1000 + i, 'B' || (1000 + i) || 'ZZ', 'Bench ' || i, 'PLR', 'convicted', 100000, date('now') FROM n;
    INSERT INTO contacts(prisoner_id, visitor_id, contact_type, relationship, approved)
      SELECT id, 1, 'social', 'Friend', 1 FROM prisoners WHERE id >= 1000;
    UPDATE session_templates SET open_capacity = 100000;
    COMMIT;`);
  const clients = [];
  for (let i = 0; i < CONC; i++) {
    const c = new Client(env);
    await c.signIn(i % 2 ? 'family.ann' : 'staff.booking');
    clients.push(c);
  }
  const slots = (await clients[0].get('/prisoners/1/slots')).json.slots;
  console.log(JSON.stringify({ engine: ENGINE, sync_full: SYNC_FULL, load_average: (await import('node:os')).loadavg().map((x) => +x.toFixed(2)), machine_cores: (await import('node:os')).cpus().length, concurrency: CONC, seconds: SECONDS, slots_per_query: slots.length }));
  const SLOTS_NAME = 'slot availability (GET /prisoners/{id}/slots, 26 days)';
  const BOOK_NAME = 'bookings (POST /visits, every rule checked, one transaction each)';
  if (WRK) {
    const staffC = clients[0];
    const hdr = `wrk.headers["cookie"] = "parlour_session=${staffC.cookie}"\nwrk.headers["x-csrf-token"] = "${staffC.csrf}"\n`;
    wrkPhase(SLOTS_NAME, env, `${hdr}wrk.method = "GET"\nwrk.path = "/api/v1/prisoners/1/slots"\n`);
    // Each (prisoner, slot) pair once: pair k -> prisoner k / nslots, slot k % nslots.
    wrkPhase(BOOK_NAME, env, `${hdr}wrk.headers["content-type"] = "application/json"
local slots = {${slots.map((x) => `"${x.id}"`).join(',')}}
local n = #slots
local k = 0
request = function()
  local p = ${1000} + (math.floor(k / n) % ${PRISONERS})
  local s = slots[(k % n) + 1]
  k = k + 1
  return wrk.format("POST", "/api/v1/visits", nil,
    string.format('{"type":"social","prisoner_id":%d,"slot_id":"%s","visitor_ids":[1]}', p, s))
end
`);
  } else {
    await phase(SLOTS_NAME, env, clients, () => ['GET', '/api/v1/prisoners/1/slots']);
    const pairs = [];
    for (let p = 0; p < PRISONERS; p++) for (const s of slots) pairs.push([1000 + p, s.id]);
    await phase(BOOK_NAME, env, clients,
      (i) => { const [p, s] = pairs[i % pairs.length]; return ['POST', '/api/v1/visits', { type: 'social', prisoner_id: p, slot_id: s, visitor_ids: [1] }]; });
  }
  const booked = sql(env, "SELECT count(*) FROM visits WHERE booked_by <> (SELECT id FROM users WHERE username = 'admin')");
  console.log(JSON.stringify({ engine: ENGINE, bookings_in_database: Number(booked) }));
} finally {
  await env.stop();
}
