// Accounts (administrators): create one (its temporary password shown once), reset a
// password, disable and enable.

import { h } from '../dom.js';
import { t, label, plural } from '../i18n.js';
import { gql } from '../api.js';
import { describe } from '../errors.js';
import * as organisations from '../organisations.js';
import { dateTime } from '../format.js';
import { ROLES } from '../vocab.js';
import { createForm } from '../ui/form.js';
import { announce } from '../ui/status.js';
import { badge, facts, filterBar, pageHeader, pagedList, secretBox } from '../ui/widgets.js';

const USER_FIELDS = 'id email displayName role mustChangePassword disabled lastLoginAt createdAt organisation { id name }';
const USERS = `query Users($filter: UserFilter, $after: String) { users(filter: $filter, first: 30, after: $after) { nodes { ${USER_FIELDS} } pageInfo { hasNextPage endCursor } totalCount } }`;

export async function render(ctx) {
  const { query } = ctx;
  const filter = {};
  if (query.get('role')) filter.role = query.get('role');
  if (query.get('organisation')) filter.organisationId = query.get('organisation');
  const orgs = await organisations.options(t('filters.any_organisation'));
  const filters = filterBar(
    [
      { name: 'role', label: t('field.role'), options: [{ value: '', label: t('filters.any_role') }, ...ROLES.map((v) => ({ value: v, label: label('Role', v) }))] },
      { name: 'organisation', label: t('field.organisation'), options: orgs },
    ],
    query,
    { legend: t('users.filters') },
  );
  let total = 0;
  const list = await pagedList({
    load: async (after) => {
      const data = await gql(USERS, { filter, after });
      total = data.users.totalCount;
      return { items: data.users.nodes, pageInfo: data.users.pageInfo, totalCount: total };
    },
    renderItem: userCard,
    emptyText: t('users.none'),
    countText: (shown, count) => plural('users.count', count),
  });
  return h('div', {}, pageHeader(t('users.title'), [], t('users.intro')), await createSection(orgs), h('h2', {}, t('users.list')), filters, list);
}

async function createSection(orgs) {
  const result = h('div', { class: 'create-result' });
  const form = createForm({
    submitLabel: t('users.create'),
    fields: [
      { name: 'email', label: t('field.email'), type: 'email', required: true, autocomplete: 'off', id: 'user-email' },
      { name: 'displayName', label: t('field.display_name'), autocomplete: 'off', id: 'user-name' },
      { name: 'role', label: t('field.role'), type: 'select', options: ROLES.map((v) => ({ value: v, label: `${label('Role', v)} — ${t(`role.hint.${v}`)}` })), value: 'MEMBER', id: 'user-role' },
      { name: 'organisationId', label: t('field.organisation'), type: 'select', options: [{ value: '', label: t('field.no_organisation') }, ...orgs.filter((o) => o.value)], hint: t('users.organisation_hint'), id: 'user-organisation' },
    ],
    onSubmit: async (v, f) => {
      const data = await gql(`mutation CreateUser($input: CreateUserInput!) { createUser(input: $input) { temporaryPassword user { ${USER_FIELDS} } } }`, {
        input: { email: v.email ?? '', displayName: v.displayName, role: v.role, organisationId: v.organisationId || null },
      });
      const { user, temporaryPassword } = data.createUser;
      result.replaceChildren(
        h('div', { class: 'success', role: 'status' }, h('h3', { tabindex: '-1', id: 'user-created' }, t('users.created', { email: user.email })), secretBox(t('users.temporary_password'), temporaryPassword, t('users.temporary_note'))),
      );
      for (const name of ['email', 'displayName']) f.field(name).control.value = '';
      announce(t('users.created', { email: user.email }));
      result.querySelector('h3')?.focus();
    },
  });
  return h('section', { class: 'create-user', 'aria-labelledby': 'create-user-title' }, h('h2', { id: 'create-user-title' }, t('users.create_title')), form.element, result);
}

function userCard(user) {
  const area = h('div', { class: 'user-result' });
  const status = [];
  if (user.disabled) status.push(badge(t('users.disabled'), 'danger'));
  if (user.mustChangePassword) status.push(badge(t('users.must_change'), 'warning'));
  const card = h(
    'li',
    { class: 'card card-user' },
    h('h3', { class: 'card-title' }, user.displayName || user.email),
    h('p', { class: 'card-badges' }, badge(label('Role', user.role), 'kind'), status),
    facts([
      [t('field.email'), user.email],
      [t('field.organisation'), user.organisation?.name],
      [t('users.last_login'), user.lastLoginAt ? dateTime(user.lastLoginAt) : t('users.never')],
      [t('users.created_at'), dateTime(user.createdAt)],
    ]),
  );
  const act = (text, mutation, then) => {
    const button = h('button', { type: 'button', class: 'button button-small' }, text);
    button.addEventListener('click', async () => {
      if (!window.confirm(t('users.confirm', { action: text, email: user.email }))) return;
      button.disabled = true;
      try {
        const data = await gql(mutation, { id: user.id });
        then(data);
      } catch (err) {
        area.replaceChildren(h('p', { class: 'inline-error', role: 'alert' }, describe(err)));
      } finally {
        button.disabled = false;
      }
    });
    return button;
  };
  const reset = act(t('users.reset'), 'mutation Reset($id: ID!) { resetPassword(userId: $id) { temporaryPassword } }', (data) => {
    area.replaceChildren(secretBox(t('users.new_temporary_password', { email: user.email }), data.resetPassword.temporaryPassword, t('users.reset_note')));
    announce(t('users.reset_done', { email: user.email }));
  });
  const toggle = user.disabled
    ? act(t('users.enable'), `mutation Enable($id: ID!) { enableUser(userId: $id) { user { ${USER_FIELDS} } } }`, (data) => {
        card.replaceWith(userCard(data.enableUser.user));
        announce(t('users.enabled', { email: user.email }));
      })
    : act(t('users.disable'), `mutation Disable($id: ID!) { disableUser(userId: $id) { user { ${USER_FIELDS} } } }`, (data) => {
        card.replaceWith(userCard(data.disableUser.user));
        announce(t('users.disabled_done', { email: user.email }));
      });
  card.append(h('p', { class: 'button-row' }, reset, toggle), area);
  return card;
}
