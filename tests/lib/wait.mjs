// Waiting in tests: for a condition with a deadline, never a fixed sleep
// standing in for "it is ready" or "it has happened" (docs/testing.md).
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls fn until it returns a truthy value (returned) or the time runs out
// (throws, naming what was awaited and the last error fn threw).
export async function waitFor(fn, { timeout = 10000, interval = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await sleep(interval); // pacing of the poll, inside the deadline
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what}` +
    (last instanceof Error ? `: ${last.message}` : ''));
}
