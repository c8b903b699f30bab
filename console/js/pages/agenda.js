// The shared agenda: by month (a calendar) or as a list (upcoming or past), narrowed by
// région, audience, organisation and openness to the public; a calendar link with the same
// filters, public or private.

import { h } from '../dom.js';
import { t, label, plural, locale } from '../i18n.js';
import { gql } from '../api.js';
import * as router from '../router.js';
import * as session from '../session.js';
import * as organisations from '../organisations.js';
import { HOME_ZONE, addDays, eventDay, isoToZoned, longDay, machine, monthName, time, zonedToIso } from '../format.js';
import { REGIONS, AUDIENCES } from '../vocab.js';
import { eventCard, EVENT_FIELDS } from '../parts/cards.js';
import { download, exportUrl } from '../download.js';
import { createForm } from '../ui/form.js';
import { failure } from '../ui/panels.js';
import { announce } from '../ui/status.js';
import { badge, filterBar, linkButton, pageHeader, pagedList, secretBox } from '../ui/widgets.js';

const EVENTS = `query Agenda($filter: EventFilter, $order: EventOrderBy!, $first: Int!, $after: String) {
  events(filter: $filter, orderBy: $order, first: $first, after: $after) { nodes { ${EVENT_FIELDS} } pageInfo { hasNextPage endCursor } }
}`;

/** The API filter of the view's query parameters (without dates). */
export function eventFilter(query) {
  const filter = {};
  if (query.get('region')) filter.region = query.get('region');
  if (query.get('audience')) filter.audience = query.get('audience');
  if (query.get('organisation')) filter.organisationId = query.get('organisation');
  if (query.get('ouvert') === '1') filter.openToPublic = true;
  return filter;
}

function thisMonth() {
  return isoToZoned(new Date().toISOString(), HOME_ZONE).date.slice(0, 7);
}

function shiftMonth(month, by) {
  const [y, m] = month.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 1 + by, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

export async function render(ctx) {
  const { query } = ctx;
  const view = query.get('vue') === 'mois' ? 'mois' : 'liste';
  const orgOptions = await organisations.options(t('filters.any_organisation'));
  const filters = filterBar(
    [
      { name: 'region', label: t('field.region'), options: [{ value: '', label: t('filters.any_region') }, ...REGIONS.map((v) => ({ value: v, label: label('Region', v) }))] },
      { name: 'audience', label: t('field.audience'), options: [{ value: '', label: t('filters.any_audience') }, ...AUDIENCES.map((v) => ({ value: v, label: label('Audience', v) }))] },
      { name: 'organisation', label: t('field.organiser'), options: orgOptions },
      { name: 'ouvert', label: t('agenda.open_only'), checkbox: true },
    ],
    query,
    { legend: t('agenda.filters') },
  );
  const actions = [];
  if (session.isEditor()) actions.push(linkButton(router.href('/evenements/nouveau'), t('agenda.new'), true));

  const switcher = h(
    'ul',
    { class: 'view-switch', 'aria-label': t('agenda.view') },
    h('li', {}, h('a', { href: router.href('/agenda', { ...Object.fromEntries(query), vue: null }), 'aria-current': view === 'liste' ? 'page' : null }, t('agenda.list'))),
    h('li', {}, h('a', { href: router.href('/agenda', { ...Object.fromEntries(query), vue: 'mois' }), 'aria-current': view === 'mois' ? 'page' : null }, t('agenda.month'))),
  );
  const body = view === 'mois' ? await monthView(query) : await listView(query);
  return h('div', { class: 'agenda' }, pageHeader(t('agenda.title'), actions), filters, switcher, body, subscribe(query));
}

async function listView(query) {
  const past = query.get('periode') === 'passes';
  const now = new Date().toISOString();
  const filter = { ...eventFilter(query), ...(past ? { startsBefore: now } : { startsAfter: now }) };
  const periods = h(
    'ul',
    { class: 'view-switch view-switch-small', 'aria-label': t('agenda.period') },
    h('li', {}, h('a', { href: router.href('/agenda', { ...Object.fromEntries(query), periode: null }), 'aria-current': past ? null : 'page' }, t('agenda.upcoming'))),
    h('li', {}, h('a', { href: router.href('/agenda', { ...Object.fromEntries(query), periode: 'passes' }), 'aria-current': past ? 'page' : null }, t('agenda.past'))),
  );
  let count = 0;
  const list = await pagedList({
    load: async (after) => {
      const data = await gql(EVENTS, { filter, order: past ? 'STARTS_AT_DESC' : 'STARTS_AT_ASC', first: 20, after });
      count += data.events.nodes.length;
      return { items: data.events.nodes, pageInfo: data.events.pageInfo };
    },
    renderItem: (event) => eventCard(event, { headingLevel: 'h2' }),
    emptyText: past ? t('agenda.none_past') : t('agenda.none'),
    countText: (shown) => plural('agenda.shown', shown),
  });
  announce(count ? plural('agenda.shown', count) : past ? t('agenda.none_past') : t('agenda.none'));
  const hint = !past && count === 0 ? h('p', {}, h('a', { href: router.href('/agenda', { ...Object.fromEntries(query), periode: 'passes' }) }, t('agenda.see_past'))) : null;
  return h('section', { class: 'agenda-list', 'aria-label': past ? t('agenda.past') : t('agenda.upcoming') }, periods, list, hint);
}

async function monthView(query) {
  const month = /^\d{4}-\d{2}$/.test(query.get('mois') || '') ? query.get('mois') : thisMonth();
  const first = `${month}-01`;
  const next = `${shiftMonth(month, 1)}-01`;
  // A day more on each side: events are placed on their own zone's days, not Paris's.
  const filter = { ...eventFilter(query), startsAfter: zonedToIso(addDays(first, -1), '00:00', HOME_ZONE), startsBefore: zonedToIso(addDays(next, 1), '00:00', HOME_ZONE) };
  const events = [];
  let after = null;
  for (let page = 0; page < 5; page += 1) {
    const data = await gql(EVENTS, { filter, order: 'STARTS_AT_ASC', first: 100, after });
    events.push(...data.events.nodes);
    if (!data.events.pageInfo.hasNextPage) break;
    after = data.events.pageInfo.endCursor;
  }
  const byDay = new Map();
  for (const event of events) {
    const day = eventDay(event);
    if (day < first || day >= next) continue;
    if (!byDay.has(day)) byDay.set(day, []);
    byDay.get(day).push(event);
  }
  const total = [...byDay.values()].reduce((n, list) => n + list.length, 0);
  announce(total ? plural('agenda.in_month', total, { month: monthName(month) }) : t('agenda.none_month', { month: monthName(month) }));

  const monthInput = h('input', { type: 'month', id: 'agenda-month', value: month, onchange: (e) => { if (/^\d{4}-\d{2}$/.test(e.target.value)) router.update({ mois: e.target.value }); } });
  const nav = h(
    'div',
    { class: 'month-nav' },
    h('a', { class: 'button button-small', href: router.href('/agenda', { ...Object.fromEntries(query), mois: shiftMonth(month, -1) }), id: 'month-previous' }, h('span', { 'aria-hidden': 'true' }, '← '), t('agenda.previous_month', { month: monthName(shiftMonth(month, -1)) })),
    h('div', { class: 'filter' }, h('label', { for: 'agenda-month' }, t('agenda.choose_month')), monthInput),
    h('a', { class: 'button button-small', href: router.href('/agenda', { ...Object.fromEntries(query), mois: shiftMonth(month, 1) }), id: 'month-next' }, t('agenda.next_month', { month: monthName(shiftMonth(month, 1)) }), h('span', { 'aria-hidden': 'true' }, ' →')),
  );
  return h('section', { class: 'agenda-month', 'aria-labelledby': 'month-title' }, h('h2', { id: 'month-title' }, monthName(month)), nav, h('p', { class: 'list-count' }, total ? plural('agenda.in_month', total, { month: monthName(month) }) : t('agenda.none_month', { month: monthName(month) })), calendar(month, byDay));
}

/** The month as a table of weeks (Monday first); on a phone, the days with events only. */
function calendar(month, byDay) {
  const first = `${month}-01`;
  const [y, m] = month.split('-').map(Number);
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const lead = (new Date(Date.UTC(y, m - 1, 1)).getUTCDay() + 6) % 7;
  const today = isoToZoned(new Date().toISOString(), HOME_ZONE).date;
  const weekdays = [0, 1, 2, 3, 4, 5, 6].map((i) => addDays('2024-01-01', i));
  const cells = [];
  for (let i = 0; i < lead; i += 1) cells.push(h('td', { class: 'outside' }));
  for (let d = 1; d <= days; d += 1) {
    const day = addDays(first, d - 1);
    const list = byDay.get(day) || [];
    cells.push(
      h(
        'td',
        { class: [list.length ? 'has-events' : 'no-events', day === today && 'today'] },
        h('p', { class: 'day' }, h('span', { class: 'day-number', 'aria-hidden': 'true' }, String(d)), h('span', { class: 'visually-hidden day-long' }, longDay(day)), day === today ? h('span', { class: 'today-mark' }, t('agenda.today')) : null),
        list.length
          ? h('ul', { class: 'day-events' }, list.map((event) => h('li', {}, h('a', { href: router.href(`/evenements/${event.id}`) }, event.allDay ? null : h('time', { datetime: machine(event.startsAt), class: 'event-time' }, `${time(event.startsAt, event.timezone)} `), event.title), event.status !== 'SCHEDULED' ? [' ', badge(label('EventStatus', event.status), 'warning')] : null)))
          : null,
      ),
    );
  }
  while (cells.length % 7) cells.push(h('td', { class: 'outside' }));
  const rows = [];
  for (let i = 0; i < cells.length; i += 7) rows.push(h('tr', {}, cells.slice(i, i + 7)));
  return h(
    'table',
    { class: 'calendar' },
    h('caption', { class: 'visually-hidden' }, monthName(month)),
    h('thead', {}, h('tr', {}, weekdays.map((day) => h('th', { scope: 'col' }, h('abbr', { title: new Intl.DateTimeFormat(locale(), { weekday: 'long', timeZone: 'UTC' }).format(new Date(`${day}T12:00:00Z`)) }, weekdayShort(day)))))),
    h('tbody', {}, rows),
  );
}

function weekdayShort(day) {
  return new Intl.DateTimeFormat(locale(), { weekday: 'short', timeZone: 'UTC' }).format(new Date(`${day}T12:00:00Z`));
}

/** The calendar links of the current filters: public for anyone, private for an account. */
function subscribe(query) {
  const filter = eventFilter(query);
  const params = { region: filter.region, audience: filter.audience, organisation: filter.organisationId, openToPublic: filter.openToPublic ? 'true' : null };
  const section = h(
    'section',
    { class: 'subscribe', 'aria-labelledby': 'subscribe-title' },
    h('h2', { id: 'subscribe-title' }, t('agenda.subscribe')),
    h('p', {}, t('agenda.subscribe_public'), ' ', h('a', { href: exportUrl('/calendar.ics', params) }, t('agenda.public_link'))),
  );
  const exportFailure = h('div', { class: 'export-failure' });
  const csv = h('button', { type: 'button', class: 'button button-small', onclick: async () => {
    exportFailure.replaceChildren();
    try {
      await download(exportUrl('/events.csv', params), 'evenements.csv');
    } catch (err) {
      exportFailure.replaceChildren(failure(err, { what: t('agenda.export') }));
    }
  } }, t('agenda.export'));
  if (!session.signedIn()) {
    section.append(h('p', { class: 'hint' }, t('agenda.private_sign_in')), h('p', {}, csv), exportFailure);
    return section;
  }
  const result = h('div', { class: 'subscribe-result' });
  const form = createForm({
    submitLabel: t('agenda.create_private'),
    fields: [{ name: 'name', label: t('agenda.link_name'), hint: t('agenda.link_name_hint'), id: 'calendar-link-name' }],
    onSubmit: async (values) => {
      const data = await gql(
        'mutation CalendarLink($filter: EventFilter, $name: String) { createCalendarSubscription(filter: $filter, name: $name) { url subscription { id name } } }',
        { filter, name: values.name || null },
      );
      const { url, subscription } = data.createCalendarSubscription;
      result.replaceChildren(secretBox(t('agenda.private_link', { name: subscription.name }), url, t('agenda.private_note')));
      announce(t('agenda.private_created'));
      result.querySelector('input')?.focus();
    },
  });
  section.append(h('p', {}, t('agenda.subscribe_private')), form.element, result, h('p', {}, csv), exportFailure);
  return section;
}
