// The one TAP library for the node tests (tests/lib/tap.sh is the shell's).
// scripts/run-tests counts the "ok N" / "not ok N" lines, "# TODO" lines
// apart, and reads "# " lines as diagnostics; the plan comes last.
// The harness libraries (tests/browser/lib/tap.mjs, tests/booking/lib.mjs,
// tests/signalling/lib.mjs, tests/sfu/sfu_lib.mjs) re-export these, with a
// thin adapter where their tests call a different signature.
let n = 0;
let failed = 0;

export function ok(name) {
  n += 1;
  console.log(`ok ${n} - ${name}`);
}

export function notOk(name, why) {
  n += 1;
  failed += 1;
  console.log(`not ok ${n} - ${name}`);
  if (why) diag(why);
}

export function check(cond, name, why) {
  if (cond) ok(name);
  else notOk(name, why);
  return !!cond;
}

// A check of a requirement known not to be met reliably yet (TAP TODO):
// printed either way with the reason (which names the open issue), counted
// apart by scripts/run-tests, never a failure.
export function todo(cond, name, reason) {
  n += 1;
  console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name} # TODO ${reason}`);
  return !!cond;
}

// Every line of msg as a TAP diagnostic (a bare newline would end it).
export function diag(msg) {
  for (const line of String(msg).split('\n')) console.log(`# ${line}`);
}

// Runs an async step; a thrown error becomes one failing line with its reason,
// so one broken step never hides the others' results. Returns the value or
// undefined.
export async function step(name, fn) {
  try {
    const v = await fn();
    if (v === false) notOk(name);
    else ok(name);
    return v;
  } catch (e) {
    notOk(name, e && e.stack ? e.stack : String(e));
    return undefined;
  }
}

export function failures() { return failed; }
export function count() { return n; }

// A helper process whose lines continue another's numbering starts here
// (tests/recording/playback.mjs, run by a shell test).
export function startAt(k) { n = k; }

// Prints the plan; returns the exit code (0 when nothing failed).
export function plan() {
  console.log(`1..${n}`);
  return failed === 0 ? 0 : 1;
}
export const done = plan;
