// The family booking journey's answers, kept in sessionStorage between its
// pages (prisoner -> visitors -> slot -> check -> confirmation).
const KEY = 'parlour.booking';

export function load() {
  try { return JSON.parse(sessionStorage.getItem(KEY)) || {}; } catch { return {}; }
}
export function save(s) { sessionStorage.setItem(KEY, JSON.stringify(s)); return s; }
export function update(patch) { return save({ ...load(), ...patch }); }
export function clear() { sessionStorage.removeItem(KEY); }
