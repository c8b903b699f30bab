// One contact of the address book.

import { h } from '../dom.js';
import { t, label } from '../i18n.js';
import { gql } from '../api.js';
import * as router from '../router.js';
import * as session from '../session.js';
import { contactFacts, CONTACT_FIELDS } from '../parts/contact.js';
import { deleteButton } from '../parts/delete.js';
import { badge, linkButton, pageHeader, tagList } from '../ui/widgets.js';

export async function render(ctx) {
  const { contact } = await gql(`query Contact($id: ID!) { contact(id: $id) { ${CONTACT_FIELDS} tags } }`, { id: ctx.params.id });
  if (!contact) {
    return h('div', {}, pageHeader(t('contact.not_found')), h('p', {}, t('record.not_found_text')), h('p', {}, h('a', { href: router.href('/annuaire') }, t('nav.contacts'))));
  }
  const name = `${contact.firstName} ${contact.lastName}`;
  const actions = [];
  if (session.canEdit(contact.organisation?.id)) {
    actions.push(linkButton(router.href(`/contacts/${contact.id}/modifier`), t('do.edit'), true));
    actions.push(deleteButton({
      confirmText: t('contact.delete_confirm', { name }),
      mutation: 'mutation DeleteContact($id: ID!) { deleteContact(id: $id) { deletedId } }',
      id: contact.id,
      then: () => router.go('/annuaire'),
    }));
  }
  return h(
    'article',
    { class: 'record' },
    pageHeader(name, actions, contact.jobTitle),
    h('p', { class: 'record-badges' }, badge(label('Visibility', contact.visibility))),
    session.signedIn() ? null : h('p', { class: 'hint' }, t('contact.sign_in_for_details')),
    contactFacts(contact),
    tagList(contact.tags),
  );
}
