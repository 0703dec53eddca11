// Load generator for `make bench-booking` (scripts/bench-booking): drives a
// real parlour-booking over HTTPS with keep-alive connections and reports
// requests per second and latency percentiles for slot availability queries
// and for bookings. Not a test: it asserts nothing and prints figures.
import fs from 'node:fs';
import https from 'node:https';
import { Client, request, sql, startBooking } from './lib.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const CONC = Number(process.env.BENCH_CONCURRENCY || 16);

// CPU seconds the daemon used so far (user + system), from /proc.
function serverCpu(env) {
  const f = fs.readFileSync(`/proc/${env.proc.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (100 Hz)
}

function pct(sorted, p) { return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]; }

async function phase(name, env, clients, makeReq) {
  const lat = [];
  const statuses = {};
  const end = Date.now() + SECONDS * 1000;
  let i = 0;
  const t0 = process.hrtime.bigint();
  const cpu0 = serverCpu(env);
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
  const cpu = serverCpu(env) - cpu0;
  lat.sort((a, b) => a - b);
  const out = { name, requests: lat.length, seconds: +secs.toFixed(2), per_second: +(lat.length / secs).toFixed(1),
    p50_ms: +pct(lat, 0.5).toFixed(2), p99_ms: +pct(lat, 0.99).toFixed(2), max_ms: +lat[lat.length - 1].toFixed(2),
    server_cpu_ms_per_request: +((cpu * 1000) / lat.length).toFixed(3), server_cpu_share: +(cpu / secs).toFixed(2), statuses };
  console.log(JSON.stringify(out));
  return out;
}

const env = await startBooking({ demo: true, ini: '[log]\nlevel = warn\n' });
try {
  env.agent = new https.Agent({ keepAlive: true, maxSockets: CONC });
  // Room for many bookings: 300 more prisoners with Ann as a contact, big slots.
  let q = 'BEGIN;';
  for (let i = 0; i < 300; i++) {
    q += `INSERT INTO prisoners(id, prison_number, name, establishment_id, status, vo_balance, vo_allocated_on)
      VALUES (${1000 + i}, 'B${String(1000 + i).padStart(4, '0')}ZZ', 'Bench ${i}', 'PLR', 'convicted', 100000, date('now'));
      INSERT INTO contacts(prisoner_id, visitor_id, contact_type, relationship, approved) VALUES (${1000 + i}, 1, 'social', 'Friend', 1);`;
  }
  q += "UPDATE session_templates SET open_capacity = 100000; COMMIT;";
  sql(env, q);
  const clients = [];
  for (let i = 0; i < CONC; i++) {
    const c = new Client(env);
    await c.signIn(i % 2 ? 'family.ann' : 'staff.booking');
    clients.push(c);
  }
  const slots = (await clients[0].get('/prisoners/1/slots')).json.slots;
  console.log(JSON.stringify({ load_average: (await import('node:os')).loadavg().map((x) => +x.toFixed(2)), machine_cores: (await import('node:os')).cpus().length, concurrency: CONC, seconds: SECONDS, slots_per_query: slots.length }));
  await phase('slot availability (GET /prisoners/{id}/slots, 26 days)', env, clients,
    () => ['GET', '/api/v1/prisoners/1/slots']);
  const staff = clients.filter((_, i) => i % 2 === 0);
  const fam = clients.filter((_, i) => i % 2 === 1);
  const pairs = [];
  for (let p = 0; p < 300; p++) for (const s of slots) pairs.push([1000 + p, s.id]);
  await phase('bookings (POST /visits, every rule checked, one transaction each)', env, [...staff, ...fam],
    (i) => { const [p, s] = pairs[i % pairs.length]; return ['POST', '/api/v1/visits', { type: 'social', prisoner_id: p, slot_id: s, visitor_ids: [1] }]; });
  const booked = sql(env, "SELECT count(*) FROM visits WHERE booked_by <> (SELECT id FROM users WHERE username = 'admin')");
  console.log(JSON.stringify({ bookings_in_database: Number(booked) }));
} finally {
  await env.stop();
}
