// Changing the password: required first after a temporary one, possible at any time.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { localError } from '../api.js';
import * as router from '../router.js';
import * as session from '../session.js';
import { createForm } from '../ui/form.js';
import { announce } from '../ui/status.js';
import { pageHeader } from '../ui/widgets.js';
import { backTo } from './sign-in.js';

export async function render(ctx) {
  const forced = session.mustChangePassword();
  const known = forced ? session.knownTemporaryPassword() : null;
  const fields = [];
  if (!known) {
    fields.push({ name: 'current', label: t(forced ? 'password.temporary' : 'password.current'), type: 'password', autocomplete: 'current-password', required: true, errors: ['currentPassword'], id: 'password-current' });
  }
  fields.push(
    { name: 'next', label: t('password.new'), type: 'password', autocomplete: 'new-password', required: true, hint: t('password.policy'), errors: ['newPassword'], id: 'password-new' },
    { name: 'confirm', label: t('password.confirm'), type: 'password', autocomplete: 'new-password', required: true, id: 'password-confirm' },
  );
  const form = createForm({
    submitLabel: t('password.submit'),
    fields,
    onSubmit: async (values) => {
      if (!values.next) throw localError({ newPassword: t('check.required') });
      if (values.next !== values.confirm) throw localError({ confirm: t('password.mismatch') });
      await session.changePassword(known ?? values.current ?? '', values.next);
      announce(t('password.changed'));
      const next = backTo(ctx.query);
      if (next === router.current().path) router.go('/');
      else window.location.hash = next;
    },
  });
  return h(
    'div',
    { class: 'narrow' },
    pageHeader(t(forced ? 'password.forced_title' : 'password.title')),
    h('p', {}, t(forced ? 'password.forced_intro' : 'password.intro')),
    form.element,
  );
}
