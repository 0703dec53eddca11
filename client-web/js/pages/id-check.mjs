// Family: the ID check (docs/booking.md "ID check"). For each adult on the
// account, a photo of a government ID and a selfie taken with the browser's
// camera, sent to booking; the status and, when rejected, the staff's reason.
import { html } from '../html.mjs';
import { page, ready, pageProblem, banner, problemText } from '../layout.mjs';
import { requireUser } from '../session.mjs';
import { get, putImage } from '../api.mjs';
import { showErrors, clearErrors } from '../forms.mjs';
import { longDate } from '../format.mjs';
import { t } from '../i18n/index.mjs';

const user = await requireUser(['family']);
const main = page({ title: t('id.title'), user, active: '/family/id-check.html' });
let stream = null;
let settings = { max_image_bytes: 65536, image_retention_days: 30 };

const TAG = { none: 'govuk-tag--grey', pending: 'govuk-tag--blue', verified: 'govuk-tag--green', rejected: 'govuk-tag--red', expired: 'govuk-tag--orange' };

function visitorCard(v) {
  const open = v.needs_check && v.status !== 'verified';
  return html`
  <div class="govuk-summary-card" data-visitor="${v.visitor_id}">
    <div class="govuk-summary-card__title-wrapper">
      <h2 class="govuk-summary-card__title">${v.name}</h2>
      ${v.needs_check ? html`<strong class="govuk-tag ${TAG[v.status] || ''}" data-testid="status-${v.visitor_id}" data-status="${v.status}">${t(`id.status.${v.status}`)}</strong>` : ''}
    </div>
    <div class="govuk-summary-card__content">
      ${!v.needs_check ? html`<p class="govuk-body">${t('id.child')}</p>` : ''}
      ${v.status === 'rejected' ? html`<p class="govuk-body" data-testid="reason-${v.visitor_id}">${t('id.rejectedWhy', { reason: v.reason || '' })}</p>` : ''}
      ${v.status === 'verified' && v.expires_at ? html`<p class="govuk-body">${t('id.validUntil', { date: longDate(new Date(v.expires_at * 1000).toISOString()) })}</p>` : ''}
      ${v.status === 'pending' ? html`<p class="govuk-body">${t('id.waiting')}</p>` : ''}
      ${open ? html`
      <dl class="govuk-summary-list">
        <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('id.document')}</dt><dd class="govuk-summary-list__value">${v.has_document && v.status !== 'rejected' && v.status !== 'expired' ? t('id.sent') : t('id.notSent')}</dd></div>
        <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">${t('id.selfie')}</dt><dd class="govuk-summary-list__value">${v.has_selfie && v.status !== 'rejected' && v.status !== 'expired' ? t('id.sent') : t('id.notSent')}</dd></div>
      </dl>
      <div class="govuk-button-group">
        <button type="button" class="govuk-button govuk-button--secondary" data-module="govuk-button" data-kind="document" data-visitor="${v.visitor_id}" data-testid="capture-document-${v.visitor_id}" disabled>${t('id.document')}<span class="govuk-visually-hidden"> – ${v.name}</span></button>
        <button type="button" class="govuk-button govuk-button--secondary" data-module="govuk-button" data-kind="selfie" data-visitor="${v.visitor_id}" data-testid="capture-selfie-${v.visitor_id}" disabled>${t('id.selfie')}<span class="govuk-visually-hidden"> – ${v.name}</span></button>
      </div>` : ''}
    </div>
  </div>`;
}

// The camera's current frame as a JPEG no larger than the limit: scaled to
// at most 800 pixels wide, the quality lowered step by step until it fits.
async function capture() {
  const video = main.querySelector('#id-video');
  const w = Math.min(800, video.videoWidth || 640);
  const h = Math.round(w * ((video.videoHeight || 480) / (video.videoWidth || 640)));
  const canvas = document.createElement('canvas');
  canvas.width = w; canvas.height = h;
  canvas.getContext('2d').drawImage(video, 0, 0, w, h);
  for (const q of [0.85, 0.7, 0.55, 0.4, 0.3]) {
    const blob = await new Promise((res) => canvas.toBlob(res, 'image/jpeg', q));
    if (blob && blob.size <= settings.max_image_bytes) return blob;
  }
  return null;
}

function enableCapture() {
  main.querySelectorAll('button[data-kind]').forEach((b) => { b.disabled = !stream; });
}

async function renderList(message) {
  const r = await get('/identity/visitors');
  settings = r;
  const list = main.querySelector('#id-visitors');
  list.innerHTML = String(html`${r.visitors.map(visitorCard)}`);
  enableCapture();
  list.querySelectorAll('button[data-kind]').forEach((b) => b.addEventListener('click', async () => {
    clearErrors(main);
    const blob = await capture();
    if (!blob) { showErrors(main, [{ field: null, text: t('id.tooBig') }]); return; }
    b.disabled = true;
    try {
      await putImage(`/identity/visitors/${encodeURIComponent(b.dataset.visitor)}/${b.dataset.kind}`, blob);
      await renderList({ heading: t('id.uploaded') });
    } catch (e) {
      b.disabled = false;
      showErrors(main, [{ field: null, text: problemText(e) }]);
    }
  }));
  main.querySelectorAll('.govuk-notification-banner').forEach((x) => x.remove());
  if (message) banner(main, message);
}

try {
  const first = await get('/identity/visitors');
  settings = first;
  main.innerHTML = String(html`
    <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
      <h1 class="govuk-heading-l">${t('id.title')}</h1>
      <p class="govuk-body">${t('id.intro')}</p>
      <p class="govuk-body">${t('id.kept', { days: first.image_retention_days })}</p>
      <div class="govuk-inset-text">
        <p class="govuk-body">${t('id.documentHint')}</p>
        <p class="govuk-body">${t('id.selfieHint')}</p>
      </div>
      <div class="app-id-camera">
        <video id="id-video" autoplay playsinline muted width="320" height="240" aria-label="${t('id.title')}"></video>
        <p><button type="button" class="govuk-button" data-module="govuk-button" id="start-camera">${t('id.startCamera')}</button></p>
      </div>
      <div id="id-visitors"></div>
    </div></div>`);
  main.querySelector('#start-camera').addEventListener('click', async () => {
    clearErrors(main);
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
      const video = main.querySelector('#id-video');
      video.srcObject = stream;
      await video.play().catch(() => {});
      enableCapture();
    } catch (e) {
      showErrors(main, [{ field: null, text: t('id.cameraRefused', { why: e.name || e.message }) }]);
    }
  });
  await renderList();
  ready(main);
} catch (e) { pageProblem(main, e); }
