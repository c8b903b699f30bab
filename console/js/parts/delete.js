// A delete button that asks first, then runs the mutation; a refusal is said beside it.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { gql } from '../api.js';
import { describe } from '../errors.js';
import { announce } from '../ui/status.js';

export function deleteButton({ confirmText, mutation, id, variables = null, then }) {
  const button = h('button', { type: 'button', class: 'button button-danger' }, t('do.delete'));
  const error = h('span', { class: 'inline-error', role: 'alert' });
  button.addEventListener('click', async () => {
    if (!window.confirm(confirmText)) return;
    button.disabled = true;
    error.textContent = '';
    try {
      await gql(mutation, variables ?? { id });
      announce(t('record.deleted'));
      then();
    } catch (err) {
      error.textContent = describe(err);
      button.disabled = false;
    }
  });
  return h('span', { class: 'delete-action' }, button, error);
}
