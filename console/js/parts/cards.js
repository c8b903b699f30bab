// How a record is shown in a list: an event, a resource, an organisation, an action, a contact.

import { h } from '../dom.js';
import { t, label } from '../i18n.js';
import * as router from '../router.js';
import { eventWhen, machine } from '../format.js';
import { badge } from '../ui/widgets.js';

/** The fields an event card reads. */
export const EVENT_FIELDS = 'id title startsAt endsAt allDay timezone openToPublic status location { name city region } organiser { name slug } organiserName';

export function eventCard(event, { headingLevel = 'h3', organiser = true } = {}) {
  const place = [event.location?.name, event.location?.city].filter(Boolean).join(', ');
  const region = event.location?.region ? label('Region', event.location.region) : null;
  return h(
    'li',
    { class: 'card card-event' },
    h(headingLevel, { class: 'card-title' }, h('a', { href: router.href(`/evenements/${event.id}`) }, event.title)),
    h('p', { class: 'card-when' }, h('time', { datetime: machine(event.startsAt) }, eventWhen(event))),
    place || region ? h('p', { class: 'card-place' }, [place, region].filter(Boolean).join(' · ')) : null,
    organiser && (event.organiser || event.organiserName) ? h('p', { class: 'card-meta' }, t('event.by', { name: event.organiser?.name || event.organiserName })) : null,
    h(
      'p',
      { class: 'card-badges' },
      event.status !== 'SCHEDULED' ? badge(label('EventStatus', event.status), 'warning') : null,
      event.openToPublic ? badge(t('event.open'), 'success') : badge(t('event.closed')),
    ),
  );
}

export const RESOURCE_FIELDS = 'id title kind description freeOfRights audiences organisation { name slug }';

export function resourceCard(resource, { headingLevel = 'h3' } = {}) {
  return h(
    'li',
    { class: 'card card-resource' },
    h(headingLevel, { class: 'card-title' }, h('a', { href: router.href(`/ressources/${resource.id}`) }, resource.title)),
    h('p', { class: 'card-badges' }, badge(label('ResourceKind', resource.kind), 'kind'), resource.freeOfRights ? badge(t('resource.free'), 'success') : null),
    resource.description ? h('p', { class: 'card-text' }, excerpt(resource.description)) : null,
    resource.organisation ? h('p', { class: 'card-meta' }, t('resource.by', { name: resource.organisation.name })) : null,
  );
}

export const ACTION_FIELDS = 'id title summary status region organisation { name slug }';

export function actionCard(action, { headingLevel = 'h3' } = {}) {
  return h(
    'li',
    { class: 'card card-action' },
    h(headingLevel, { class: 'card-title' }, h('a', { href: router.href(`/actions/${action.id}`) }, action.title)),
    h('p', { class: 'card-badges' }, badge(label('ActionStatus', action.status), 'kind'), action.region ? badge(label('Region', action.region)) : null),
    action.summary ? h('p', { class: 'card-text' }, excerpt(action.summary)) : null,
    action.organisation ? h('p', { class: 'card-meta' }, t('action.by', { name: action.organisation.name })) : null,
  );
}

export const ORGANISATION_FIELDS = 'id slug name kind region city';

export function organisationCard(org, { headingLevel = 'h3' } = {}) {
  return h(
    'li',
    { class: 'card card-organisation' },
    h(headingLevel, { class: 'card-title' }, h('a', { href: router.href(`/organisations/${org.slug}`) }, org.name)),
    h('p', { class: 'card-badges' }, badge(label('OrganisationKind', org.kind), 'kind'), org.region ? badge(label('Region', org.region)) : null),
    org.city ? h('p', { class: 'card-meta' }, org.city) : null,
  );
}

/** The first sentences of a long text, cut at a word. */
export function excerpt(text, max = 220) {
  const plain = String(text).replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  if (plain.length <= max) return plain;
  const cut = plain.slice(0, max);
  return `${cut.slice(0, cut.lastIndexOf(' ') > 0 ? cut.lastIndexOf(' ') : max)}…`;
}
