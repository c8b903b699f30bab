// One organisation: its profile, and its events, resources, contacts and actions.

import { h, richText } from '../dom.js';
import { t, label, plural } from '../i18n.js';
import { gql } from '../api.js';
import * as router from '../router.js';
import * as session from '../session.js';
import { actionCard, eventCard, resourceCard, ACTION_FIELDS, EVENT_FIELDS, RESOURCE_FIELDS } from '../parts/cards.js';
import { contactCard, CONTACT_FIELDS } from '../parts/contact.js';
import { badge, external, facts, linkButton, pageHeader } from '../ui/widgets.js';

const ORGANISATION = `query Organisation($slug: String!, $signedIn: Boolean!) { organisation(slug: $slug) {
  id slug name kind region departement city website description
  events(first: 10, orderBy: STARTS_AT_DESC) { nodes { ${EVENT_FIELDS} } totalCount }
  resources(first: 10) { nodes { ${RESOURCE_FIELDS} } totalCount }
  contacts(first: 20) @include(if: $signedIn) { nodes { ${CONTACT_FIELDS} } totalCount }
  actions(first: 10) { nodes { ${ACTION_FIELDS} } totalCount }
} }`;

export async function render(ctx) {
  const { organisation: o } = await gql(ORGANISATION, { slug: ctx.params.slug, signedIn: session.signedIn() });
  if (!o) {
    return h('div', {}, pageHeader(t('organisation.not_found')), h('p', {}, t('record.not_found_text')), h('p', {}, h('a', { href: router.href('/organisations') }, t('nav.organisations'))));
  }
  const actions = session.canEdit(o.id) ? [linkButton(router.href(`/organisations/${o.slug}/modifier`), t('organisation.edit'), true)] : [];
  const section = (id, title, connection, render, more, newLink) =>
    h(
      'section',
      { class: 'organisation-section', 'aria-labelledby': id },
      h('h2', { id }, title, ' ', h('span', { class: 'count' }, `(${connection.totalCount})`)),
      connection.nodes.length ? h('ul', { class: 'cards' }, connection.nodes.map((n) => render(n, { headingLevel: 'h3' }))) : h('p', { class: 'empty' }, t('organisation.nothing')),
      connection.totalCount > connection.nodes.length ? h('p', {}, h('a', { href: more }, plural('organisation.see_all', connection.totalCount))) : null,
      newLink && session.canEdit(o.id) ? h('p', {}, newLink) : null,
    );
  return h(
    'article',
    { class: 'record' },
    pageHeader(o.name, actions),
    h('p', { class: 'record-badges' }, badge(label('OrganisationKind', o.kind), 'kind'), o.region ? badge(label('Region', o.region)) : null),
    facts([
      [t('field.city'), o.city],
      [t('field.departement'), o.departement],
      [t('field.website'), o.website ? external(o.website) : null],
    ]),
    o.description ? h('div', { class: 'rich record-text' }, richText(o.description)) : null,
    section('organisation-events', t('organisation.events'), o.events, (e, options) => eventCard(e, { ...options, organiser: false }), router.href('/agenda', { organisation: o.id, periode: 'passes' }), linkButton(router.href('/evenements/nouveau'), t('agenda.new'))),
    section('organisation-resources', t('organisation.resources'), o.resources, resourceCard, router.href('/ressources', { organisation: o.id }), linkButton(router.href('/ressources/nouvelle'), t('resources.new'))),
    o.contacts ? section('organisation-contacts', t('organisation.contacts'), o.contacts, (c) => contactCard(c, { headingLevel: 'h3' }), router.href('/annuaire', { organisation: o.id }), linkButton(router.href('/contacts/nouveau'), t('contacts.new'))) : null,
    section('organisation-actions', t('organisation.actions'), o.actions, actionCard, router.href('/actions', { organisation: o.id }), linkButton(router.href('/actions/nouvelle'), t('actions.new'))),
  );
}
