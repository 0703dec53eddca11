// Who is signed in, the sign-in guard every page runs first, and the GOV.UK
// session time-out warning: after 18 minutes without activity a modal says
// the session ends in 2 minutes, offering "Stay signed in"; at 20 minutes the
// person is signed out and sent to the sign-in page.
import { get, post, ApiError, rememberCsrf } from './api.mjs';
import { html } from './html.mjs';
import { homeFor } from './layout.mjs';
import { t } from './i18n/index.mjs';

export const IDLE_LIMIT_S = 20 * 60;
export const WARN_BEFORE_S = 2 * 60;

export async function currentUser() {
  try {
    const r = await get('/me');
    rememberCsrf(r.csrf_token);
    if (r.idle_timeout_s) idleFromServer = r.idle_timeout_s;
    return r.user;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403 || e.status === 404)) return null;
    throw e;
  }
}

// Resolves the user or sends the browser to sign in. roles: allowed roles.
export async function requireUser(roles) {
  const user = await currentUser().catch(() => null);
  if (!user) {
    const next = location.pathname + location.search;
    location.replace(`/?next=${encodeURIComponent(next)}`);
    return new Promise(() => {});
  }
  if (roles && !roles.includes(user.role)) {
    location.replace(homeFor(user.role));
    return new Promise(() => {});
  }
  startTimeoutWarning(user);
  return user;
}

export async function signIn(username, password) {
  const r = await post('/auth/sign-in', { username, password });
  rememberCsrf(r.csrf_token);
  return r.user;
}

export async function signOut() {
  // Signing out is a change, so it needs the CSRF token, which this page
  // may not have fetched yet.
  try {
    const user = await currentUser();
    if (user) await post('/auth/sign-out', {});
  } catch { /* signed out anyway, as far as this page can tell */ }
  sessionStorage.clear();
}

let idleTimer = null;
let warnTimer = null;
let countdown = null;

// Options for tests: ?idle=SECONDS shortens the limit so the warning can be
// seen (never longer than the real limit).
let idleFromServer = IDLE_LIMIT_S;
function idleLimit() {
  const q = Number(new URLSearchParams(location.search).get('idle'));
  return q > 0 && q < idleFromServer ? q : idleFromServer;
}

export function startTimeoutWarning(user, { keepAlive = true } = {}) {
  const limit = idleLimit();
  const warnAt = Math.max(1, limit - Math.min(WARN_BEFORE_S, Math.floor(limit / 2)));
  let dialog = document.getElementById('timeout-dialog');
  if (!dialog) {
    dialog = document.createElement('dialog');
    dialog.id = 'timeout-dialog';
    dialog.className = 'app-timeout-dialog';
    dialog.setAttribute('aria-labelledby', 'timeout-title');
    dialog.setAttribute('aria-describedby', 'timeout-text');
    dialog.innerHTML = String(html`
      <h2 class="govuk-heading-m" id="timeout-title">${t('timeout.title')}</h2>
      <p class="govuk-body" id="timeout-text">${t('timeout.textBefore')} <strong id="timeout-left">${t('timeout.minutes', { n: 2 })}</strong>.</p>
      <div class="govuk-button-group">
        <button type="button" class="govuk-button" data-module="govuk-button" id="timeout-stay">${t('timeout.stay')}</button>
        <a class="govuk-link" href="/sign-out.html">${t('nav.signOut')}</a>
      </div>`);
    document.body.appendChild(dialog);
    dialog.querySelector('#timeout-stay').addEventListener('click', async () => {
      dialog.close();
      // Any request keeps the session alive on the server.
      if (keepAlive) { try { await get('/me'); } catch { /* the next request will tell */ } }
      reset();
    });
    dialog.addEventListener('cancel', (e) => { e.preventDefault(); });
  }
  const reset = () => {
    clearTimeout(idleTimer); clearTimeout(warnTimer); clearInterval(countdown);
    warnTimer = setTimeout(() => {
      const end = Date.now() + (limit - warnAt) * 1000;
      const left = dialog.querySelector('#timeout-left');
      const tick = () => {
        const s = Math.max(0, Math.round((end - Date.now()) / 1000));
        left.textContent = s >= 60 ? t('timeout.minutes', { n: Math.ceil(s / 60) }) : t('timeout.seconds', { n: s });
      };
      tick();
      countdown = setInterval(tick, 1000);
      // The page may have rebuilt <body> since the dialog was made.
      if (!dialog.isConnected) document.body.appendChild(dialog);
      if (!dialog.open) dialog.showModal();
    }, warnAt * 1000);
    idleTimer = setTimeout(async () => {
      await signOut();
      location.replace('/?timedout=1');
    }, limit * 1000);
  };
  // Activity (not while the warning is open) restarts the clock.
  let last = 0;
  const activity = () => {
    if (dialog.open) return;
    const now = Date.now();
    if (now - last < 5000) return;
    last = now;
    reset();
  };
  for (const ev of ['keydown', 'pointerdown', 'scroll']) window.addEventListener(ev, activity, { passive: true });
  reset();
}

// On the call page activity is the call itself: no time-out while in a call.
export function pauseTimeout() {
  clearTimeout(idleTimer); clearTimeout(warnTimer); clearInterval(countdown);
}
