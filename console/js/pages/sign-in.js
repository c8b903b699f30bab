// Signing in: e-mail and password; a temporary password leads to its change first.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import * as router from '../router.js';
import * as session from '../session.js';
import { createForm } from '../ui/form.js';
import { pageHeader } from '../ui/widgets.js';

/** Where to go after signing in: a view of the console, never another site. */
export function backTo(query) {
  const target = query.get('retour');
  return target && target.startsWith('/') && !target.startsWith('//') ? target : '/';
}

export async function render(ctx) {
  if (session.signedIn()) {
    return h('div', {}, pageHeader(t('signin.title')), h('p', {}, t('signin.already', { name: session.current().displayName || session.current().email })), h('p', {}, h('a', { href: router.href('/') }, t('nav.home'))));
  }
  const form = createForm({
    submitLabel: t('signin.submit'),
    fields: [
      { name: 'email', label: t('field.email'), type: 'email', autocomplete: 'username', required: true, id: 'signin-email' },
      { name: 'password', label: t('field.password'), type: 'password', autocomplete: 'current-password', required: true, id: 'signin-password' },
    ],
    onSubmit: async (values) => {
      try {
        const user = await session.signIn(values.email || '', values.password || '');
        const next = backTo(ctx.query);
        if (user?.mustChangePassword) router.go('/mot-de-passe', { retour: next === '/' ? null : next });
        else window.location.hash = next;
      } catch (err) {
        if (err?.has?.('UNAUTHENTICATED')) err.sentence = t('signin.wrong');
        throw err;
      }
    },
  });
  return h(
    'div',
    { class: 'narrow' },
    pageHeader(t('signin.title')),
    ctx.notice ? h('p', { class: 'notice', role: 'status' }, ctx.notice) : null,
    h('p', {}, t('signin.intro')),
    form.element,
    h('p', { class: 'hint' }, t('signin.no_account')),
  );
}
