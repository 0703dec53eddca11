// The GOV.UK page template every page shares: skip link, header, service
// navigation for the signed-in role, phase banner, main, footer, and the
// session time-out warning. Each HTML file is a shell that loads one page
// module; the module calls page() and fills the <main> it returns.
import { html, raw } from './html.mjs';
import { initAll } from '/assets/govuk/govuk-frontend.min.js';
import { t, lang } from './i18n/index.mjs';

export const SERVICE = t('service.name');

// Where each role starts, and the links it sees in the service navigation
// (the second of each pair is a catalogue key).
const CALLS = ['/calls/', 'nav.yourCalls'];
const STAFF = [
  ['/staff/', 'nav.today'],
  ['/staff/requests.html', 'nav.requests'],
  ['/staff/reviews.html', 'nav.reviews'],
  ['/staff/contacts.html', 'nav.contacts'],
  ['/staff/wall.html', 'nav.monitoring'],
];
export const ROLE_NAV = {
  family: [
    ['/family/', 'nav.yourPrisoners'],
    ['/family/book/prisoner.html', 'nav.book'],
    ['/family/calls.html', 'nav.yourCalls'],
    ['/family/contact.html', 'nav.contactDetails'],
    ['/family/id-check.html', 'nav.idCheck'],
  ],
  prisoner: [CALLS],
  probationer: [CALLS],
  probation_officer: [
    ['/probation/', 'nav.yourCases'],
    ['/probation/book.html', 'nav.bookSupervision'],
    CALLS,
  ],
  clinician: [CALLS],
  legal_adviser: [CALLS],
  interpreter: [CALLS],
  booking_staff: [...STAFF, ['/staff/notifications.html', 'nav.notifications'], ['/staff/id-checks.html', 'nav.idChecks']],
  monitor: [['/staff/wall.html', 'nav.monitoring'], ['/staff/', 'nav.today']],
  reviewer: STAFF,
  admin: [...STAFF, ['/staff/notifications.html', 'nav.notifications']],
};
export const STAFF_ROLES = ['booking_staff', 'monitor', 'reviewer', 'admin'];

export function homeFor(role) {
  const nav = ROLE_NAV[role];
  return nav ? nav[0][0] : '/';
}

function header() {
  return html`
  <header class="govuk-header" data-module="govuk-header">
    <div class="govuk-header__container govuk-width-container">
      <div class="govuk-header__logo">
        <a href="/" class="govuk-header__link govuk-header__link--homepage">
          <span class="govuk-header__logotype-text">GOV.UK</span>
        </a>
      </div>
    </div>
  </header>`;
}

// The language switch, as GOV.UK services write it: "English | Cymraeg",
// the current one plain, the other a link that keeps the page (?lang=).
function langHref(l) {
  const q = new URLSearchParams(location.search);
  q.set('lang', l);
  return `${location.pathname}?${q}${location.hash}`;
}
function languageSwitch(wide) {
  const cur = lang();
  const item = (l, name) => (l === cur
    ? html`<li class="app-lang__item"><span aria-current="true" lang="${l}">${name}</span></li>`
    : html`<li class="app-lang__item"><a class="govuk-link" href="${langHref(l)}" hreflang="${l}" lang="${l}" rel="alternate" data-lang="${l}">${name}<span class="govuk-visually-hidden"> – ${t('lang.changeTo', {}, l)}</span></a></li>`);
  return html`
  <nav class="app-lang govuk-width-container${wide ? ' app-wide' : ''}" aria-label="${t('lang.switch')}">
    <ul class="app-lang__list">${item('en', 'English')}${item('cy', 'Cymraeg')}</ul>
  </nav>`;
}

function serviceNav(user, active) {
  const links = user ? (ROLE_NAV[user.role] || []) : [];
  return html`
  <section aria-label="${t('nav.serviceInfo')}" class="govuk-service-navigation" data-module="govuk-service-navigation">
    <div class="govuk-width-container">
      <div class="govuk-service-navigation__container">
        <span class="govuk-service-navigation__service-name">
          <a href="${user ? homeFor(user.role) : '/'}" class="govuk-service-navigation__link">${SERVICE}</a>
        </span>
        ${user ? html`
        <nav aria-label="${t('nav.menu')}" class="govuk-service-navigation__wrapper">
          <button type="button" class="govuk-service-navigation__toggle govuk-js-service-navigation-toggle" aria-controls="navigation" hidden>${t('nav.menu')}</button>
          <ul class="govuk-service-navigation__list" id="navigation">
            ${links.map(([href, key]) => [href, t(key)]).map(([href, text]) => html`
            <li class="govuk-service-navigation__item${href === active ? ' govuk-service-navigation__item--active' : ''}">
              <a class="govuk-service-navigation__link" href="${href}"${href === active ? raw(' aria-current="page"') : ''}>${href === active ? html`<strong class="govuk-service-navigation__active-fallback">${text}</strong>` : text}</a>
            </li>`)}
            <li class="govuk-service-navigation__item">
              <a class="govuk-service-navigation__link" href="/sign-out.html" data-testid="sign-out">${t('nav.signOut')}</a>
            </li>
          </ul>
        </nav>` : ''}
      </div>
    </div>
  </section>`;
}

function footer() {
  return html`
  <footer class="govuk-footer">
    <div class="govuk-width-container">
      <div class="govuk-footer__meta">
        <div class="govuk-footer__meta-item govuk-footer__meta-item--grow">
          <h2 class="govuk-visually-hidden">${t('footer.support')}</h2>
          <ul class="govuk-footer__inline-list">
            <li class="govuk-footer__inline-list-item"><a class="govuk-footer__link" href="/accessibility.html">${t('footer.accessibility')}</a></li>
            <li class="govuk-footer__inline-list-item"><a class="govuk-footer__link" href="/privacy.html">${t('footer.privacy')}</a></li>
          </ul>
          <span class="govuk-footer__licence-description">${t('footer.licence')}</span>
        </div>
      </div>
    </div>
  </footer>`;
}

// Builds the page around an empty <main> and returns it.
//   title   the page's h1 text; the document title is "title - Video visits - GOV.UK"
//   user    the signed-in user (from requireUser) or null
//   active  the nav link to mark current
//   wide    full-width container (monitoring wall, call page)
export function page({ title, user = null, active = null, wide = false, backLink = null }) {
  document.documentElement.lang = lang();
  document.documentElement.classList.add('govuk-template');
  document.body.classList.add('govuk-template__body', 'govuk-frontend-supported');
  setTitle(title);
  document.body.innerHTML = String(html`
  <a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link">${t('layout.skip')}</a>
  ${header()}
  ${serviceNav(user, active)}
  ${languageSwitch(wide)}
  <div class="${wide ? 'govuk-width-container app-wide' : 'govuk-width-container'}">
    ${backLink ? html`<a href="${backLink}" class="govuk-back-link">${t('layout.back')}</a>` : ''}
    <main class="govuk-main-wrapper" id="main-content">
    </main>
  </div>
  ${footer()}
  <div id="app-live" class="govuk-visually-hidden" aria-live="polite"></div>`);
  return document.getElementById('main-content');
}

let baseTitle = '';
export function setTitle(title, error = false) {
  baseTitle = title;
  document.title = `${error ? t('layout.errorPrefix') : ''}${title} - ${SERVICE} - GOV.UK`;
}
export function markTitleError(on) {
  document.title = `${on ? t('layout.errorPrefix') : ''}${baseTitle} - ${SERVICE} - GOV.UK`;
}

// Runs govuk-frontend's JavaScript on what the page rendered.
export function enhance(scope = document.body) {
  try { initAll({ scope }); } catch (e) { console.warn('govuk-frontend init', e); }
}

// Announces a message to screen readers.
export function announce(text) {
  const el = document.getElementById('app-live');
  if (el) { el.textContent = ''; setTimeout(() => { el.textContent = text; }, 50); }
}

// Marks the page as rendered (tests wait for it) and enhances it.
export function ready(main) {
  enhance(document.body);
  document.body.dataset.ready = '1';
  return main;
}

// A page that could not load its data says so in GOV.UK's words.
export function pageProblem(main, e) {
  main.innerHTML = String(html`
    <h1 class="govuk-heading-l">${t('problem.title')}</h1>
    <p class="govuk-body">${problemText(e)}</p>
    <p class="govuk-body"><a class="govuk-link" href="">${t('problem.reload')}</a></p>`);
  setTitle(t('problem.title'));
  ready(main);
}

// An error's words: the catalogue's for booking's code when there are some
// (booking's own messages are English), else the message.
export function problemText(e) {
  if (e && e.code && t(`code.${e.code}`) !== `code.${e.code}`) return t(`code.${e.code}`);
  return e && e.message ? e.message : t('problem.later');
}

// A notification banner (success or important) at the top of main.
export function banner(main, { title = t('banner.success'), heading, text = '', success = true }) {
  const el = document.createElement('div');
  el.className = `govuk-notification-banner${success ? ' govuk-notification-banner--success' : ''}`;
  el.setAttribute('role', success ? 'alert' : 'region');
  el.setAttribute('aria-labelledby', 'banner-title');
  el.setAttribute('data-module', 'govuk-notification-banner');
  el.innerHTML = String(html`
    <div class="govuk-notification-banner__header">
      <h2 class="govuk-notification-banner__title" id="banner-title">${title}</h2>
    </div>
    <div class="govuk-notification-banner__content">
      <p class="govuk-notification-banner__heading">${heading}</p>
      ${text ? html`<p class="govuk-body">${text}</p>` : ''}
    </div>`);
  main.prepend(el);
  return el;
}

// One-shot message carried to the next page (e.g. "Call cancelled").
export function flash(msg) { sessionStorage.setItem('parlour.flash', JSON.stringify(msg)); }
export function takeFlash() {
  const v = sessionStorage.getItem('parlour.flash');
  sessionStorage.removeItem('parlour.flash');
  return v ? JSON.parse(v) : null;
}
