// How a contact is shown: name, job, organisation, and the e-mail and phone the hub lets
// the reader see (the visibility rules are the hub's: hidden fields come back empty).

import { h } from '../dom.js';
import { t, label } from '../i18n.js';
import * as router from '../router.js';
import * as session from '../session.js';
import { badge, enumBadges, facts, linkButton } from '../ui/widgets.js';

export const CONTACT_FIELDS = 'id firstName lastName jobTitle email phone region city audiences visibility notes organisation { id slug name }';

export function contactFacts(c) {
  return facts([
    [t('field.organisation'), c.organisation ? h('a', { href: router.href(`/organisations/${c.organisation.slug}`) }, c.organisation.name) : null],
    [t('field.email'), c.email ? h('a', { href: `mailto:${c.email}` }, c.email) : null],
    [t('field.phone'), c.phone ? h('a', { href: `tel:${c.phone.replace(/[^+\d]/g, '')}` }, c.phone) : null],
    [t('field.city'), c.city],
    [t('field.region'), c.region ? label('Region', c.region) : null],
    [t('field.audiences'), enumBadges('Audience', c.audiences)],
    [t('field.notes'), c.notes],
  ]);
}

export function contactCard(c, { headingLevel = 'h2' } = {}) {
  const name = `${c.firstName} ${c.lastName}`;
  return h(
    'li',
    { class: 'card card-contact' },
    h(headingLevel, { class: 'card-title' }, h('a', { href: router.href(`/contacts/${c.id}`) }, name)),
    c.jobTitle ? h('p', { class: 'card-meta' }, c.jobTitle) : null,
    h('p', { class: 'card-badges' }, badge(label('Visibility', c.visibility))),
    contactFacts({ ...c, notes: null, audiences: [] }),
    session.canEdit(c.organisation?.id) ? h('p', {}, linkButton(router.href(`/contacts/${c.id}/modifier`), t('do.edit'))) : null,
  );
}
