// What the page tells without being asked: a progress bar while the hub is slow to answer,
// and announcements for screen readers (results counted, saved). Failures are said where
// they happen, in elements with role=alert.

import { h } from '../dom.js';
import { t } from '../i18n.js';

/** A request shorter than this shows nothing: a quick answer should not flicker. */
const SHOW_AFTER_MS = 250;
/** After this long, say in words that the hub is slow. */
const SLOW_AFTER_MS = 3000;

let polite;

/** Creates the progress bar and the live regions (once, in the page's shell). */
export function mount(root) {
  const bar = h('div', { class: 'progress', hidden: true, role: 'progressbar', 'aria-label': t('status.loading') }, h('span', { class: 'progress-bar' }));
  const slow = h('p', { class: 'slow-notice', hidden: true, role: 'status' });
  polite = h('div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  root.append(bar, slow, polite);

  let showTimer = null;
  let slowTimer = null;
  document.addEventListener('passerelle:busy', (event) => {
    const busy = event.detail > 0;
    if (busy && showTimer === null) {
      showTimer = setTimeout(() => {
        bar.hidden = false;
        bar.setAttribute('aria-label', t('status.loading'));
      }, SHOW_AFTER_MS);
      slowTimer = setTimeout(() => {
        slow.textContent = t('status.slow');
        slow.hidden = false;
      }, SLOW_AFTER_MS);
    } else if (!busy) {
      clearTimeout(showTimer);
      clearTimeout(slowTimer);
      showTimer = null;
      slowTimer = null;
      bar.hidden = true;
      slow.hidden = true;
      slow.textContent = '';
    }
  });
}

function say(region, text) {
  if (!region) return;
  // Emptied first, so that the same words said twice are announced twice.
  region.textContent = '';
  setTimeout(() => {
    region.textContent = text;
  }, 50);
}

/** Says `text` when the reader pauses (results, saved). */
export function announce(text) {
  say(polite, text);
}
