// One resource: what it is, who shares it, its link, and whether it is free of rights.

import { h, richText } from '../dom.js';
import { t, label } from '../i18n.js';
import { gql } from '../api.js';
import * as router from '../router.js';
import * as session from '../session.js';
import { dateTime } from '../format.js';
import { deleteButton } from '../parts/delete.js';
import { badge, enumBadges, external, facts, linkButton, pageHeader, tagList } from '../ui/widgets.js';

const RESOURCE = `query Resource($id: ID!) { resource(id: $id) {
  id kind title content description url author freeOfRights licence language audiences tags visibility updatedAt organisation { id slug name }
} }`;

export async function render(ctx) {
  const { resource } = await gql(RESOURCE, { id: ctx.params.id });
  if (!resource) {
    return h('div', {}, pageHeader(t('resource.not_found')), h('p', {}, t('record.not_found_text')), h('p', {}, h('a', { href: router.href('/ressources') }, t('nav.resources'))));
  }
  const actions = [];
  if (session.canEdit(resource.organisation?.id)) {
    actions.push(linkButton(router.href(`/ressources/${resource.id}/modifier`), t('do.edit'), true));
    actions.push(deleteButton({
      confirmText: t('resource.delete_confirm', { title: resource.title }),
      mutation: 'mutation DeleteResource($id: ID!) { deleteResource(id: $id) { deletedId } }',
      id: resource.id,
      then: () => router.go('/ressources'),
    }));
  }
  return h(
    'article',
    { class: 'record' },
    pageHeader(resource.title, actions),
    h('p', { class: 'record-badges' }, badge(label('ResourceKind', resource.kind), 'kind'), resource.freeOfRights ? badge(t('resource.free'), 'success') : badge(t('resource.not_free')), session.signedIn() ? badge(label('Visibility', resource.visibility)) : null),
    resource.url ? h('p', {}, h('a', { href: resource.url, rel: 'noopener noreferrer', class: 'button button-primary', id: 'resource-link' }, t('resource.open'))) : null,
    facts([
      [t('field.content'), resource.content],
      [t('field.organisation'), resource.organisation ? h('a', { href: router.href(`/organisations/${resource.organisation.slug}`) }, resource.organisation.name) : null],
      [t('field.author'), resource.author],
      [t('field.licence'), resource.licence],
      [t('field.language'), resource.language],
      [t('field.url'), resource.url ? external(resource.url) : null],
      [t('field.audiences'), enumBadges('Audience', resource.audiences)],
      [t('field.tags'), tagList(resource.tags)],
    ]),
    resource.description ? h('section', { class: 'record-text', 'aria-labelledby': 'resource-description' }, h('h2', { id: 'resource-description' }, t('field.description')), h('div', { class: 'rich' }, richText(resource.description))) : null,
    h('p', { class: 'record-updated' }, t('record.updated', { date: dateTime(resource.updatedAt) })),
  );
}
