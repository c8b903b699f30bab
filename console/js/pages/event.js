// One event: when (in its zone), where, who organises it, where it came from (a partner
// feed), « add to my calendar », its reports; editing for its organiser's editors.

import { h, richText } from '../dom.js';
import { t, label } from '../i18n.js';
import { gql } from '../api.js';
import * as router from '../router.js';
import * as session from '../session.js';
import { dateTime, eventWhen, machine } from '../format.js';
import { download } from '../download.js';
import { reportsSection, REPORT_FIELDS } from '../parts/reports.js';
import { failure } from '../ui/panels.js';
import { badge, enumBadges, external, facts, linkButton, pageHeader, tagList } from '../ui/widgets.js';
import { deleteButton } from '../parts/delete.js';

const EVENT = `query Event($id: ID!) { event(id: $id) {
  id title description startsAt endsAt allDay timezone openToPublic url author status visibility audiences tags organiserName
  location { name address postalCode city departement region latitude longitude }
  organiser { id slug name }
  provenance { feedId feedName sourceUrl lastSeenAt }
  updatedAt
  experienceReports(first: 50) { nodes { ${REPORT_FIELDS} } }
} }`;

export async function render(ctx) {
  const data = await gql(EVENT, { id: ctx.params.id });
  const event = data.event;
  if (!event) return notFound();

  const actions = [];
  if (session.canEdit(event.organiser?.id)) {
    actions.push(linkButton(router.href(`/evenements/${event.id}/modifier`), t('do.edit'), true));
    actions.push(deleteButton({
      confirmText: t('event.delete_confirm', { title: event.title }),
      mutation: 'mutation DeleteEvent($id: ID!) { deleteEvent(id: $id) { deletedId } }',
      id: event.id,
      then: () => router.go('/agenda'),
    }));
  }

  const calendarFailure = h('div');
  const addToCalendar = h('a', {
    href: `/events/${event.id}.ics`,
    class: 'button',
    id: 'add-to-calendar',
    onclick: async (e) => {
      // A private event needs the session: the file is fetched with it.
      if (!session.signedIn()) return;
      e.preventDefault();
      calendarFailure.replaceChildren();
      try {
        await download(`/events/${event.id}.ics`, 'evenement.ics');
      } catch (err) {
        calendarFailure.replaceChildren(failure(err, { what: t('event.add_to_calendar') }));
      }
    },
  }, t('event.add_to_calendar'));

  const loc = event.location || {};
  const place = [loc.name, loc.address, [loc.postalCode, loc.city].filter(Boolean).join(' ')].filter(Boolean).join(', ');
  const map = loc.latitude !== null && loc.latitude !== undefined && loc.longitude !== null && loc.longitude !== undefined
    ? external(`https://www.openstreetmap.org/?mlat=${loc.latitude}&mlon=${loc.longitude}#map=16/${loc.latitude}/${loc.longitude}`, t('event.map'))
    : null;
  const organiser = event.organiser
    ? h('a', { href: router.href(`/organisations/${event.organiser.slug}`) }, event.organiser.name)
    : event.organiserName;

  return h(
    'article',
    { class: 'record' },
    pageHeader(event.title, actions),
    h(
      'p',
      { class: 'record-badges' },
      event.status !== 'SCHEDULED' ? badge(label('EventStatus', event.status), 'warning') : null,
      event.openToPublic ? badge(t('event.open'), 'success') : badge(t('event.closed')),
      session.signedIn() ? badge(label('Visibility', event.visibility)) : null,
    ),
    h('p', { class: 'record-when' }, h('time', { datetime: machine(event.startsAt) }, eventWhen(event))),
    h('p', {}, addToCalendar),
    calendarFailure,
    facts([
      [t('event.place'), place || null],
      [t('field.departement'), loc.departement],
      [t('field.region'), loc.region ? label('Region', loc.region) : null],
      [t('event.map_label'), map],
      [t('field.organiser'), organiser],
      [t('field.author'), event.author],
      [t('field.url'), event.url ? external(event.url, t('event.website')) : null],
      [t('field.audiences'), enumBadges('Audience', event.audiences)],
      [t('field.tags'), tagList(event.tags)],
    ]),
    event.description ? h('section', { class: 'record-text', 'aria-labelledby': 'event-description' }, h('h2', { id: 'event-description' }, t('field.description')), h('div', { class: 'rich' }, richText(event.description))) : null,
    provenance(event),
    reportsSection(event.experienceReports.nodes, { eventId: event.id }),
    h('p', { class: 'record-updated' }, t('record.updated', { date: dateTime(event.updatedAt) })),
  );
}

function provenance(event) {
  const p = event.provenance;
  if (!p) {
    return h('section', { class: 'provenance', 'aria-labelledby': 'provenance-title' }, h('h2', { id: 'provenance-title' }, t('event.provenance')), h('p', {}, t('event.typed_in')));
  }
  const feed = p.feedName ? (session.signedIn() ? h('a', { href: router.href(`/flux/${p.feedId}`) }, p.feedName) : p.feedName) : t('event.a_feed');
  return h(
    'section',
    { class: 'provenance', 'aria-labelledby': 'provenance-title' },
    h('h2', { id: 'provenance-title' }, t('event.provenance')),
    h('p', {}, t('event.from_feed_before'), ' ', feed, '.'),
    facts([
      [t('event.source'), p.sourceUrl ? external(p.sourceUrl) : null],
      [t('event.last_seen'), p.lastSeenAt ? dateTime(p.lastSeenAt) : null],
    ]),
  );
}

function notFound() {
  return h('div', {}, pageHeader(t('event.not_found')), h('p', {}, t('record.not_found_text')), h('p', {}, h('a', { href: router.href('/agenda') }, t('nav.agenda'))));
}
