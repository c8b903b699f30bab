// The states a part of the page can be in besides its content: loading, empty, failed (with
// what failed and a button to try again).

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { describe } from '../errors.js';

export function loading(text = t('status.loading')) {
  return h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

export function empty(text) {
  return h('p', { class: 'empty' }, text);
}

/**
 * A failure: « <what> n'a pas pu être chargé : <why> » and, when trying again may help or
 * `retry` is given, a button that does.
 */
export function failure(err, { what, retry } = {}) {
  const why = describe(err);
  const box = h(
    'div',
    { class: 'failure', role: 'alert' },
    h('h2', { class: 'failure-title' }, what ? t('failure.what', { what }) : t('failure.title')),
    h('p', {}, why),
  );
  if (retry) {
    box.append(
      h('p', {}, h('button', { type: 'button', class: 'button', onclick: () => retry() }, t('do.retry'))),
    );
  }
  return box;
}

/** A notice that the page needs another role, or a sign-in. */
export function forbidden(text) {
  return h('div', { class: 'notice' }, h('p', {}, text));
}
