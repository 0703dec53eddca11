// TAP for the browser tests: the one node TAP library (tests/lib/tap.mjs).
export { ok, notOk, check, todo, diag, step, failures, count, plan, done } from '../../lib/tap.mjs';
