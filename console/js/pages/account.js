// The signed-in account: who, which organisation and role; the password; the private
// calendar links (revocable).

import { h } from '../dom.js';
import { t, label } from '../i18n.js';
import { gql } from '../api.js';
import { describe } from '../errors.js';
import * as router from '../router.js';
import * as session from '../session.js';
import { dateTime } from '../format.js';
import { announce } from '../ui/status.js';
import { facts, linkButton, pageHeader } from '../ui/widgets.js';

export async function render(ctx) {
  const user = session.current();
  const { calendarSubscriptions: links } = await gql('query MyLinks { calendarSubscriptions { id name createdAt lastUsedAt } }');
  const list = h(
    'ul',
    { class: 'cards' },
    links.map((link) => {
      const error = h('p', { class: 'inline-error', role: 'alert' });
      const revoke = h('button', { type: 'button', class: 'button button-small button-danger' }, t('account.revoke'));
      const item = h(
        'li',
        { class: 'card' },
        h('h3', { class: 'card-title' }, link.name),
        facts([
          [t('account.link_created'), dateTime(link.createdAt)],
          [t('account.link_used'), link.lastUsedAt ? dateTime(link.lastUsedAt) : t('account.never_used')],
        ]),
        h('p', {}, revoke),
        error,
      );
      revoke.addEventListener('click', async () => {
        if (!window.confirm(t('account.revoke_confirm', { name: link.name }))) return;
        try {
          await gql('mutation Revoke($id: ID!) { revokeCalendarSubscription(id: $id) { subscription { id } } }', { id: link.id });
          item.remove();
          announce(t('account.revoked', { name: link.name }));
        } catch (err) {
          error.textContent = describe(err);
        }
      });
      return item;
    }),
  );
  return h(
    'div',
    {},
    pageHeader(t('account.title')),
    ctx.notice ? h('p', { class: 'notice', role: 'status' }, ctx.notice) : null,
    facts([
      [t('field.display_name'), user.displayName],
      [t('field.email'), user.email],
      [t('field.role'), label('Role', user.role)],
      [t('field.organisation'), user.organisation ? h('a', { href: router.href(`/organisations/${user.organisation.slug}`) }, user.organisation.name) : null],
      [t('users.last_login'), user.lastLoginAt ? dateTime(user.lastLoginAt) : null],
    ]),
    h('p', {}, linkButton(router.href('/mot-de-passe'), t('account.change_password'))),
    h('section', { 'aria-labelledby': 'account-links' }, h('h2', { id: 'account-links' }, t('account.links')), h('p', { class: 'hint' }, t('account.links_intro')), links.length ? list : h('p', { class: 'empty' }, t('account.no_links')), h('p', {}, linkButton(router.href('/agenda'), t('account.new_link')))),
  );
}
