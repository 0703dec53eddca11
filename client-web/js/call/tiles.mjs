// Video tiles: one per person, with their name under the picture. Used by
// the call page, the monitoring wall and the monitor's view.
import { html } from '../html.mjs';
import { t } from '../i18n/index.mjs';
import { participantLabel } from './labels.mjs';

export class Tiles {
  constructor(list, { muted = false, small = false } = {}) {
    this.list = list; // <ul>
    this.muted = muted;
    this.small = small;
    this.items = new Map(); // participant id -> {li, video}
  }

  ensure(id, name, { self = false } = {}) {
    let it = this.items.get(id);
    if (!it) {
      const li = document.createElement('li');
      li.className = `app-tile${self ? ' app-tile--self' : ''}${this.small ? ' app-tile--small' : ''}`;
      li.dataset.participant = id;
      li.innerHTML = String(html`
        <video class="app-tile__video" autoplay playsinline${self || this.muted ? html` muted` : ''} aria-label="${self ? t('tile.yourCamera') : t('tile.videoOf', { name })}"></video>
        <span class="app-tile__avatar" aria-hidden="true">${initial(name)}</span>
        <p class="app-tile__name govuk-body-s"><span class="app-tile__label">${self ? t('tile.you', { name }) : name}</span> <span class="app-tile__state"></span></p>`);
      this.list.appendChild(li);
      it = { li, video: li.querySelector('video') };
      this.items.set(id, it);
    } else if (name) {
      it.li.querySelector('.app-tile__label').textContent = self ? t('tile.you', { name }) : name;
      it.video.setAttribute('aria-label', self ? t('tile.yourCamera') : t('tile.videoOf', { name }));
      it.li.querySelector('.app-tile__avatar').textContent = initial(name);
    }
    return it;
  }

  attach(id, stream) {
    const it = this.items.get(id);
    if (!it) return;
    if (it.video.srcObject !== stream) it.video.srcObject = stream;
    it.video.play().catch(() => { /* autoplay refused: the user's click on Join allows it */ });
  }

  setState(id, text) {
    const it = this.items.get(id);
    if (it) it.li.querySelector('.app-tile__state').textContent = text;
  }

  remove(id) {
    const it = this.items.get(id);
    if (!it) return;
    it.video.srcObject = null;
    it.li.remove();
    this.items.delete(id);
  }

  // Keeps exactly these participants (plus self), in this order.
  sync(participants, selfId) {
    const keep = new Set(participants.map((p) => p.id));
    if (selfId) keep.add(selfId);
    for (const id of [...this.items.keys()]) if (!keep.has(id)) this.remove(id);
    for (const p of participants) {
      const it = this.ensure(p.id, participantLabel(p));
      const audio = (p.tracks || []).find((t) => t.kind === 'audio');
      const video = (p.tracks || []).find((t) => t.kind === 'video');
      const bits = [];
      if (audio && audio.muted) bits.push(t('tile.micOff'));
      if (video && video.muted) bits.push(t('tile.cameraOff'));
      this.setState(p.id, bits.length ? `(${bits.join(', ')})` : '');
      // No picture to show: the call page shows the person's initial instead.
      it.li.classList.toggle('app-tile--camera-off', !!(video && video.muted));
    }
  }
}

function initial(name) { return (String(name || '?').trim()[0] || '?').toUpperCase(); }
