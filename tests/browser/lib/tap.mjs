// TAP output for the browser tests: ok/not ok lines that scripts/run-tests
// counts, diagnostics as "# " lines, and a plan at the end.
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

export function failures() {
  return failed;
}

export function done() {
  console.log(`1..${n}`);
  return failed === 0 ? 0 : 1;
}
