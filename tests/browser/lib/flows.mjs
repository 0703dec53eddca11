// Steps the browser tests share: signing in (through the page, or through
// the API for set-up), creating a call that starts now (booking's demo
// endpoint), joining a call through the call page, and reading what arrived.
import { waitFor, sleep } from './util.mjs';
import { DEMO } from './demo.mjs';

// Signs in through the sign-in page, the way a person does.
export async function signInUI(page, who) {
  const { username, password } = typeof who === 'string' ? DEMO[who] : who;
  await page.goto('/');
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 30000 });
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([
    page.waitForURL((u) => u.pathname !== '/', { timeout: 30000 }),
    page.click('#sign-in-button'),
  ]);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 30000 });
}

// Signs in through the API; returns {cookie, csrf, user} for stack.api calls.
export async function signInAPI(stack, who) {
  const { username, password } = typeof who === 'string' ? DEMO[who] : who;
  const r = await stack.api('/api/v1/auth/sign-in', { method: 'POST', body: { username, password } });
  if (r.status !== 200) throw new Error(`sign-in ${username}: ${r.status} ${r.text}`);
  const cookie = [].concat(r.headers['set-cookie'] || []).map((c) => c.split(';')[0]).join('; ');
  return { cookie, csrf: r.json.csrf_token, user: r.json.user };
}

export async function apiAs(stack, sess, method, path, body) {
  return stack.api(`/api/v1${path}`, {
    method, body, session: sess.cookie, headers: method === 'GET' ? {} : { 'x-csrf-token': sess.csrf },
  });
}

// A call of the given type starting now (booking staff, demo mode).
export async function createCallNow(stack, staff, type, { minutes = 30, startIn = 0 } = {}) {
  const r = await apiAs(stack, staff, 'POST', '/demo/visits', { type, start_in_minutes: startIn, length_minutes: minutes });
  if (r.status !== 201) throw new Error(`demo visit ${type}: ${r.status} ${r.text}`);
  return r.json;
}

// Generous limits: the machines these run on are shared and often loaded.
export const ready = (page) => page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 30000 });

// Opens the call page, passes the device check (ticking the notice box when
// there is one) and waits until signalling says joined.
export async function joinCall(page, visitId) {
  await page.goto(`/call/?visit=${encodeURIComponent(visitId)}`);
  await ready(page);
  await page.waitForFunction(() => window.parlourCall && window.parlourCall.phase === 'device-check', null, { timeout: 30000 });
  const notice = await page.evaluate(() => ({
    shown: window.parlourCall.noticeShown,
    text: (document.querySelector('#recording-notice') || {}).textContent || '',
    privacy: !!document.querySelector('#privacy-notice'),
  }));
  if (await page.$('#understood')) await page.check('#understood');
  await page.click('#join');
  await page.waitForFunction(() => window.parlourCall.phase === 'joined', null, { timeout: 45000 });
  return notice;
}

// Frames decoded per remote participant (from getStats inbound-rtp video).
export async function framesByParticipant(page, handle = 'parlourCall') {
  return page.evaluate(async (h) => {
    const s = window[h] && window[h].session;
    if (!s) return {};
    const st = await s.stats();
    const out = {};
    for (const i of st.inbound) if (i.kind === 'video') out[i.participant || i.trackIdentifier] = Math.max(out[i.participant || i.trackIdentifier] || 0, i.framesDecoded);
    return out;
  }, handle);
}

export async function waitFrames(page, { min = 60, count = 1, timeout = 90000, handle = 'parlourCall' } = {}) {
  let last = {};
  try {
    return await waitFor(async () => {
      last = await framesByParticipant(page, handle);
      const ok = Object.values(last).filter((n) => n >= min);
      return ok.length >= count ? last : null;
    }, { timeout, interval: 500, what: `${count} remote video(s) with ${min} frames` });
  } catch (e) {
    const diag = await page.evaluate(async (h) => {
      const s = window[h] && window[h].session;
      if (!s) return null;
      const pcs = { pub: s.pub && [s.pub.connectionState, s.pub.signalingState], sub: s.sub && [s.sub.connectionState, s.sub.signalingState, s.sub.getTransceivers().length] };
      // End-to-end encrypted calls: what the frame transform saw and dropped.
      const e2ee = s.e2ee ? await s.e2ee.stats() : null;
      return { history: s.history.slice(-40).join(','), pcs, e2ee, events: (window[h].events || []).filter((e) => e.type === 'error').slice(-5), lastOffer: (s.lastSubscriberOffer || '').slice(0, 300) };
    }, handle).catch(() => null);
    throw new Error(`${e.message}; frames so far ${JSON.stringify(last)}; signalling said ${JSON.stringify(diag)}`);
  }
}

export async function endReason(page, handle = 'parlourCall', timeout = 45000) {
  await page.waitForFunction((h) => window[h] && window[h].endReason, handle, { timeout });
  return page.evaluate((h) => ({
    reason: window[h].endReason,
    text: (document.querySelector('#end-reason') || document.querySelector('#end-reason-text') || {}).textContent || '',
  }), handle);
}

export { sleep };
