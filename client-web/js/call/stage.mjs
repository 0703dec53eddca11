// The call's stage: the people you are calling fill it (one person as large
// as the window allows, a grid for two to five), your own picture small in a
// corner, moved by dragging it or with its "Move your picture" button (Enter
// goes round the corners, the arrow keys pick one), and the person speaking
// marked. Layout only: the tiles themselves are tiles.mjs's.
import { t } from '../i18n/index.mjs';

const CORNERS = ['bottom-right', 'bottom-left', 'top-left', 'top-right'];
const MOVE_ICON = '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path fill="currentColor" d="M12 2l3.5 3.5h-2.5v5h5v-2.5l3.5 3.5-3.5 3.5v-2.5h-5v5h2.5l-3.5 3.5-3.5-3.5h2.5v-5h-5v2.5l-3.5-3.5 3.5-3.5v2.5h5v-5h-2.5z"/></svg>';

export class Stage {
  constructor(list, tiles, selfId = 'self') {
    this.list = list;          // the <ul id="tiles">
    this.tiles = tiles;        // Tiles
    this.selfId = selfId;
    this.corner = sessionStorage.getItem('parlour.selfCorner') || 'bottom-right';
    this.speaker = null;
    this.observer = new MutationObserver(() => this.update());
    this.observer.observe(list, { childList: true });
    this.update();
  }

  // How many remote people, for the grid (CSS keys on data-count).
  update() {
    const remote = [...this.list.children].filter((li) => li.dataset.participant !== this.selfId);
    this.list.dataset.count = String(Math.min(remote.length, 6));
    const self = this.tiles.items.get(this.selfId);
    if (self && !self.li.dataset.stage) this.decorateSelf(self.li);
  }

  decorateSelf(li) {
    li.dataset.stage = '1';
    this.setCorner(this.corner, li);
    const b = document.createElement('button');
    b.type = 'button';
    b.id = 'move-self';
    b.className = 'app-self__move';
    // A small picture of four arrows; the words are there for screen readers and voice control.
    b.innerHTML = `${MOVE_ICON}<span class="govuk-visually-hidden">${t('call.moveSelf')}</span>`;
    b.title = t('call.moveSelf');
    b.setAttribute('aria-describedby', 'move-self-hint');
    const hint = document.createElement('span');
    hint.id = 'move-self-hint';
    hint.className = 'govuk-visually-hidden';
    hint.textContent = t('call.moveSelfHint');
    li.append(b, hint);
    b.addEventListener('click', () => this.setCorner(CORNERS[(CORNERS.indexOf(this.corner) + 1) % CORNERS.length]));
    b.addEventListener('keydown', (e) => {
      const [v, h] = this.corner.split('-');
      const next = { ArrowUp: `top-${h}`, ArrowDown: `bottom-${h}`, ArrowLeft: `${v}-left`, ArrowRight: `${v}-right` }[e.key];
      if (!next) return;
      e.preventDefault();
      this.setCorner(next);
    });
    this.draggable(li);
  }

  setCorner(c, li = this.tiles.items.get(this.selfId) && this.tiles.items.get(this.selfId).li) {
    if (!CORNERS.includes(c) || !li) return;
    this.corner = c;
    try { sessionStorage.setItem('parlour.selfCorner', c); } catch { /* private mode */ }
    li.dataset.corner = c;
    li.style.transform = '';
  }

  // Pointer drag (mouse, touch, pen); on release the picture settles in the
  // nearest corner so it never covers the middle of someone's face.
  draggable(li) {
    let start = null;
    li.addEventListener('pointerdown', (e) => {
      if (e.target.closest('button')) return;
      start = { x: e.clientX, y: e.clientY };
      li.setPointerCapture(e.pointerId);
      li.classList.add('app-tile--dragging');
    });
    li.addEventListener('pointermove', (e) => {
      if (!start) return;
      li.style.transform = `translate(${e.clientX - start.x}px, ${e.clientY - start.y}px)`;
    });
    const drop = (e) => {
      if (!start) return;
      start = null;
      li.classList.remove('app-tile--dragging');
      const r = li.getBoundingClientRect();
      const s = this.list.getBoundingClientRect();
      const cx = r.left + r.width / 2; const cy = r.top + r.height / 2;
      const v = cy < s.top + s.height / 2 ? 'top' : 'bottom';
      const h = cx < s.left + s.width / 2 ? 'left' : 'right';
      this.setCorner(`${v}-${h}`);
      void e;
    };
    li.addEventListener('pointerup', drop);
    li.addEventListener('pointercancel', drop);
  }

  // speaking {participant, speaking}: a ring round the tile and the words
  // for screen readers in its name line.
  speaking(pid, on) {
    const it = this.tiles.items.get(pid);
    if (!it) return;
    it.li.classList.toggle('app-tile--speaking', !!on);
    let s = it.li.querySelector('.app-tile__speaking');
    if (on && !s) {
      s = document.createElement('span');
      s.className = 'app-tile__speaking';
      s.textContent = t('call.speaking');
      it.li.querySelector('.app-tile__name').append(s);
    } else if (!on && s) s.remove();
  }

  // active_speaker {participant}: the loudest person; in a grid their tile
  // is marked as the one to look at.
  activeSpeaker(pid) {
    for (const [id, it] of this.tiles.items) it.li.classList.toggle('app-tile--active', id === pid && id !== this.selfId);
    this.speaker = pid;
  }

  stop() { this.observer.disconnect(); }
}
