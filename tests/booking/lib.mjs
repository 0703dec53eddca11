// Shared helpers for the booking integration tests: start the real
// parlour-booking over HTTPS on a free loopback port with its own temporary
// directory (scripts/setup-var makes the certificate, keys and secrets),
// talk to it with a cookie-keeping client that verifies TLS against that
// certificate, and print TAP.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = process.env.PARLOUR_ROOT || path.resolve(new URL('../..', import.meta.url).pathname);
export const BIN = process.env.PARLOUR_BIN || path.join(ROOT, 'build', 'bin');
export const DEMO_PASSWORD = 'parlour-demo';

// ---- TAP (tests/lib/tap.mjs) ----
// The booking tests' ok(cond, name, extra) is the library's check, with the
// extra value printed as one JSON diagnostic line; done() leaves the exit to
// the event loop (servers are closed by the test).
import { check, notOk, todo, diag, step, failures, count, plan } from '../lib/tap.mjs';
export { check, notOk, todo, diag, step, failures, count };
export function ok(cond, name, extra) {
  return check(cond, name, extra !== undefined ? JSON.stringify(extra).slice(0, 600) : undefined);
}
export function done() {
  process.exitCode = plan();
}

import { freePort } from '../lib/ports.mjs';
export { freePort };

// ---- HTTP ----
// localAddress: the loopback address to connect from (127.0.0.2, 127.0.0.3,
// ...: Linux answers all of 127/8), so one test can be several clients as
// booking sees them (sign-in throttling keys on the peer address).
export function request(env, method, p, { body, headers = {}, raw, noParse, localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const data = raw !== undefined ? raw : body !== undefined ? JSON.stringify(body) : null;
    const h = { ...headers };
    if (data !== null && !('content-type' in h)) h['content-type'] = 'application/json';
    if (data !== null) h['content-length'] = Buffer.byteLength(data);
    const req = https.request({
      host: env.host || '127.0.0.1', port: env.port, method, path: p, headers: h, ca: env.ca,
      agent: env.agent, ...(localAddress ? { localAddress } : {}),
    }, (res) => {
      const chunks = [];
      // A connection cut mid-body (a killed daemon) must settle the promise too.
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('response aborted')));
      res.on('close', () => { if (!res.complete) reject(new Error('connection closed mid-response')); });
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        const text = buf.toString('utf8');
        let json = null;
        if (!noParse) try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, text, json, buf });
      });
    });
    req.on('error', reject);
    if (data !== null) req.write(data);
    req.end();
  });
}

export class Client {
  // opts.localAddress: connect from that loopback address (see request()).
  constructor(env, name = 'anon', { localAddress } = {}) {
    this.env = env;
    this.name = name;
    this.localAddress = localAddress;
    this.cookie = null;
    this.csrf = null;
    this.user = null;
  }
  async signIn(username, password = DEMO_PASSWORD) {
    const r = await request(this.env, 'POST', '/api/v1/auth/sign-in', { body: { username, password }, localAddress: this.localAddress });
    if (r.status === 200) {
      const sc = [].concat(r.headers['set-cookie'] || []);
      const m = sc.map((c) => /parlour_session=([^;]+)/.exec(c)).find(Boolean);
      this.cookie = m ? m[1] : null;
      this.csrf = r.json.csrf_token;
      this.user = r.json.user;
      this.name = username;
    }
    return r;
  }
  headers(extra = {}) {
    const h = { ...extra };
    if (this.cookie) h.cookie = `parlour_session=${this.cookie}`;
    if (this.csrf) h['x-csrf-token'] = this.csrf;
    return h;
  }
  req(method, p, opts = {}) {
    return request(this.env, method, p, { localAddress: this.localAddress, ...opts, headers: this.headers(opts.headers) });
  }
  get(p) { return this.req('GET', `/api/v1${p}`); }
  post(p, body = {}) { return this.req('POST', `/api/v1${p}`, { body }); }
  patch(p, body = {}) { return this.req('PATCH', `/api/v1${p}`, { body }); }
}

// ---- the database engine ----
// PARLOUR_DB_ENGINE=pg runs every booking started here on PostgreSQL: one
// throwaway cluster per test process (scripts/pg-test-cluster: initdb as the
// postgres user in a temporary directory, Unix socket only), a fresh
// database per startBooking, the cluster stopped and removed at exit (also
// on failure or SIGTERM). Anything else: sqlite, one file per booking.
export const ENGINE = process.env.PARLOUR_DB_ENGINE === 'pg' ? 'postgresql' : 'sqlite';
let pgCluster = null;
let pgDbs = 0;
export function startPostgres() {
  if (pgCluster) return pgCluster;
  const tool = path.join(ROOT, 'scripts', 'pg-test-cluster');
  // PARLOUR_PG_DURABLE=1 (the bench): fsync on, as sqlite's sync_full.
  const args = process.env.PARLOUR_PG_DURABLE === '1' ? ['start', '--durable'] : ['start'];
  const [dir, conninfo] = execFileSync(tool, args, { encoding: 'utf8' }).trim().split('\n');
  pgCluster = { dir, conninfo };
  // PARLOUR_PG_KEEP=1 keeps the cluster (and its server.log) for a post-mortem.
  process.on('exit', () => {
    if (process.env.PARLOUR_PG_KEEP === '1') return console.log(`# PostgreSQL cluster kept: ${dir}`);
    try { execFileSync(tool, ['stop', dir], { stdio: 'ignore' }); } catch { /* gone */ }
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => process.exit(1));
  return pgCluster;
}
// A new empty database on the test cluster; its conninfo.
export function newPgDatabase() {
  const c = startPostgres();
  const name = `booking_${process.pid}_${++pgDbs}`;
  execFileSync('psql', ['-X', '-q', '-d', c.conninfo, '-c', `CREATE DATABASE ${name}`], { stdio: 'ignore' });
  return c.conninfo.replace(/dbname=\S+/, `dbname=${name}`);
}

// ---- the daemon ----
// pgUrl: on PostgreSQL, use this database (a second instance on the same
// data) instead of a new one.
// procEnv: extra environment for the daemon (e.g. PARLOUR_TEST_FAULT_FILE,
// the test-only storage fault switch: docs/testing.md).
export async function startBooking({ demo = true, ini = '', clientDir, keepDir, procEnv, pgUrl } = {}) {
  const dir = keepDir || fs.mkdtempSync(path.join(os.tmpdir(), 'parlour-booking-test-'));
  execFileSync(path.join(ROOT, 'scripts', 'setup-var'), [path.join(dir, 'var')], { stdio: 'ignore' });
  const port = await freePort();
  const env = {
    dir, port, base: `https://127.0.0.1:${port}`,
    ca: fs.readFileSync(path.join(dir, 'var/tls/cert.pem')),
    secret: fs.readFileSync(path.join(dir, 'var/secrets/signal-booking.secret'), 'utf8').trim(),
    publicKey: fs.readFileSync(path.join(dir, 'var/keys/token-public.pem'), 'utf8'),
    engine: ENGINE,
    db: path.join(dir, 'booking.db'),
    log: path.join(dir, 'booking.log'),
    agent: new https.Agent({ keepAlive: false }),
  };
  if (ENGINE === 'postgresql') {
    // keepDir restarts keep their database: its conninfo lives in the dir.
    const saved = path.join(dir, 'pg-url');
    env.db = pgUrl || (fs.existsSync(saved) ? fs.readFileSync(saved, 'utf8') : newPgDatabase());
    fs.writeFileSync(saved, env.db);
  }
  env.config = path.join(dir, 'booking.ini');
  fs.writeFileSync(env.config, `[server]
address = 127.0.0.1
port = ${port}
tls_cert = ${dir}/var/tls/cert.pem
tls_key = ${dir}/var/tls/key.pem
client_dir = ${clientDir || path.join(ROOT, 'client-web')}
[database]
${ENGINE === 'postgresql' ? `engine = postgresql\nurl = ${env.db}` : `path = ${env.db}`}
[tokens]
private_key = ${dir}/var/keys/token-private.pem
[service]
credential_file = ${dir}/var/secrets/signal-booking.secret
[demo]
enabled = ${demo ? 'true' : 'false'}
[identity]
key_file = ${dir}/var/keys/identity-images.key
directory = ${dir}/var/identity
${ini.includes('[notify]') ? '' : `[notify]\nsink_dir = ${dir}/notify\n`}${ini.replaceAll('%DIR%', dir)}
`);
  env.start = async () => {
    const out = fs.openSync(env.log, 'a');
    env.proc = spawn(path.join(BIN, 'parlour-booking'), ['--config', env.config], {
      stdio: ['ignore', out, out],
      env: procEnv ? { ...process.env, ...procEnv } : process.env,
    });
    fs.closeSync(out);
    for (let i = 0; i < 150; i++) {
      try {
        const r = await request(env, 'GET', '/healthz');
        if (r.status === 200) return;
      } catch { /* not up yet */ }
      if (env.proc.exitCode !== null) break;
      await sleep(100);
    }
    throw new Error('parlour-booking did not start: ' + fs.readFileSync(env.log, 'utf8').slice(-2000));
  };
  env.kill = (sig = 'SIGTERM') => new Promise((resolve) => {
    if (!env.proc || env.proc.exitCode !== null || env.proc.signalCode) return resolve();
    env.proc.once('exit', () => resolve());
    env.proc.kill(sig);
  });
  env.stop = async () => {
    await env.kill('SIGTERM');
    if (process.env.BOOKING_TEST_LOG) fs.copyFileSync(env.log, process.env.BOOKING_TEST_LOG);
    if (!keepDir) fs.rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', () => {
    try { env.proc && env.proc.kill('SIGKILL'); } catch { /* gone */ }
    if (!keepDir) try { fs.rmSync(dir, { recursive: true, force: true }); } catch { /* gone */ }
  });
  await env.start();
  return env;
}

import { sleep, waitFor } from '../lib/wait.mjs';
export { sleep, waitFor };

// A query on the test database through the engine's own client (sqlite3 or
// psql, unaligned, '|' between columns, no headers: the same text).
export function sql(env, query) {
  if (env.engine === 'postgresql')
    return execFileSync('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', env.db, '-c', query],
      { encoding: 'utf8' }).trim();
  // A busy timeout: the daemon (its notifications sender too) may hold the
  // write lock for a moment.
  return execFileSync('sqlite3', ['-batch', '-noheader', '-cmd', '.timeout 5000', env.db, query], { encoding: 'utf8' }).trim();
}

// The engine's own consistency check of the test database: 'ok' or what it
// found. sqlite: PRAGMA integrity_check. PostgreSQL: amcheck's
// bt_index_check (heap tuples all indexed) over every index of the schema.
export function integrityCheck(env) {
  if (env.engine === 'postgresql')
    return sql(env, `CREATE EXTENSION IF NOT EXISTS amcheck;
      DO $$ DECLARE r record; BEGIN FOR r IN SELECT c.oid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'btree' AND c.relnamespace = 'public'::regnamespace
      LOOP PERFORM bt_index_check(r.oid, true); END LOOP; END $$;
      SELECT 'ok'`);
  return sql(env, 'PRAGMA integrity_check');
}

// Every row of the test database as text, to compare before and after:
// sqlite's .dump, or pg_dump's data (identity sequences left out: PostgreSQL
// hands out sequence values outside transactions, so a rolled-back insert
// moves them without changing any row; nor pg_dump's random \\restrict key).
export function dumpData(env) {
  if (env.engine === 'postgresql')
    return execFileSync('pg_dump', ['--data-only', '--no-owner', '-d', env.db], { encoding: 'utf8' })
      .split('\n').filter((l) => !/^(SELECT pg_catalog\.setval|--|\\restrict |\\unrestrict )/.test(l)).join('\n');
  return sql(env, '.dump');
}

// A storage failure on demand: inserts into table fail (when `when`, an
// expression on NEW, holds) until dropFailTrigger. The engine's own trigger.
export function addFailTrigger(env, name, table, when) {
  if (env.engine === 'postgresql')
    sql(env, `CREATE FUNCTION ${name}_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$;
      CREATE TRIGGER ${name} BEFORE INSERT ON ${table} FOR EACH ROW ${when ? `WHEN (${when})` : ''} EXECUTE FUNCTION ${name}_fn();`);
  else
    sql(env, `CREATE TRIGGER ${name} BEFORE INSERT ON ${table} ${when ? `WHEN ${when}` : ''} BEGIN SELECT RAISE(ABORT, 'injected'); END;`);
}
export function dropFailTrigger(env, name, table) {
  sql(env, env.engine === 'postgresql' ? `DROP TRIGGER ${name} ON ${table}; DROP FUNCTION ${name}_fn();` : `DROP TRIGGER ${name};`);
}

// Decodes a JWT payload (no verification; see verifyJwt).
export function jwtPayload(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}
