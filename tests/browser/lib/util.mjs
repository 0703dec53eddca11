// Small helpers shared by the browser tests.
import net from 'node:net';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

import { freePort } from '../../lib/ports.mjs';
export { freePort };

// Polls fn until it returns a truthy value or the time runs out.
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
    await sleep(interval);
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what}` +
    (last instanceof Error ? `: ${last.message}` : ''));
}
