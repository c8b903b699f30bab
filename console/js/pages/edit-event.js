// Creating and editing an event: dates and times typed in the event's own zone.

import { t, label, has } from '../i18n.js';
import { gql, localError } from '../api.js';
import { addDays, isoToZoned, zonedToIso } from '../format.js';
import { EVENT_STATUSES, REGIONS, ZONES } from '../vocab.js';
import { audiencesField, editorPage, optionalEnum, organisationField, ownOrganisation, save, tagsField, tagsOf, visibilityField } from '../parts/editor.js';

const FIELDS = `id title description startsAt endsAt allDay timezone openToPublic url author organiserName audiences tags status visibility
  location { name address postalCode city departement region } organiser { id }`;

export function render(ctx) {
  return editorPage(ctx, {
    titles: { create: 'edit.event.create', update: 'edit.event.update' },
    back: '/agenda',
    subtitle: (e) => e.title,
    load: async (id) => (await gql(`query EditEvent($id: ID!) { event(id: $id) { ${FIELDS} } }`, { id })).event,
    owner: (e) => e.organiser?.id,
    view: (e) => `/evenements/${e.id}`,
    fields: async (e) => {
      const zone = e?.timezone || 'Europe/Paris';
      const start = e ? isoToZoned(e.startsAt, zone) : { date: '', time: '' };
      let end = e?.endsAt ? isoToZoned(e.endsAt, zone) : { date: '', time: '' };
      // An all-day event is stored up to midnight after its last day; it is typed as that day.
      if (e?.allDay && e.endsAt) end = { date: addDays(end.date, -1), time: '' };
      const organiser = await organisationField({ name: 'organiserId', value: e?.organiser?.id ?? null, labelKey: 'field.organiser' });
      return [
        { name: 'title', label: t('field.title'), required: true, value: e?.title, id: 'event-title' },
        { name: 'description', label: t('field.description'), type: 'textarea', value: e?.description, rows: 6, id: 'event-description' },
        {
          group: t('edit.event.when'),
          intro: t('edit.event.when_hint'),
          fields: [
            { name: 'timezone', label: t('field.timezone'), type: 'select', options: zoneOptions(zone), value: zone, id: 'event-timezone' },
            { name: 'allDay', label: t('field.all_day'), type: 'checkbox', value: e?.allDay ?? false, hint: t('field.all_day_hint'), id: 'event-all-day' },
            { name: 'startDate', label: t('field.start_date'), type: 'date', required: true, value: start.date, errors: ['startsAt'], id: 'event-start-date' },
            { name: 'startTime', label: t('field.start_time'), type: 'time', value: e?.allDay ? '' : start.time, hint: t('field.time_hint'), id: 'event-start-time' },
            { name: 'endDate', label: t('field.end_date'), type: 'date', value: end.date, errors: ['endsAt'], id: 'event-end-date' },
            { name: 'endTime', label: t('field.end_time'), type: 'time', value: e?.allDay ? '' : end.time, id: 'event-end-time' },
          ],
        },
        {
          group: t('edit.event.where'),
          fields: [
            { name: 'locationName', label: t('field.place_name'), value: e?.location?.name, errors: ['location.name'], id: 'event-place' },
            { name: 'address', label: t('field.address'), value: e?.location?.address, errors: ['location.address'], autocomplete: 'street-address', id: 'event-address' },
            { name: 'postalCode', label: t('field.postal_code'), value: e?.location?.postalCode, errors: ['location.postalCode'], inputmode: 'numeric', autocomplete: 'postal-code', id: 'event-postal-code' },
            { name: 'city', label: t('field.city'), value: e?.location?.city, errors: ['location.city'], id: 'event-city' },
            { name: 'departement', label: t('field.departement'), value: e?.location?.departement, errors: ['location.departement'], hint: t('field.departement_hint'), id: 'event-departement' },
            { name: 'region', label: t('field.region'), type: 'select', options: optionalEnum('Region', REGIONS), value: e?.location?.region ?? '', errors: ['location.region'], id: 'event-region' },
          ],
        },
        { name: 'url', label: t('field.url'), type: 'url', value: e?.url, hint: t('field.url_hint'), id: 'event-url' },
        { name: 'openToPublic', label: t('field.open_to_public'), type: 'checkbox', value: e?.openToPublic ?? true, id: 'event-open' },
        { name: 'author', label: t('field.author'), value: e?.author, id: 'event-author' },
        organiser,
        organiser ? { name: 'organiserName', label: t('field.organiser_name'), value: e?.organiserName, hint: t('field.organiser_name_hint'), id: 'event-organiser-name' } : null,
        audiencesField(e?.audiences),
        tagsField(e?.tags),
        { name: 'status', label: t('field.status'), type: 'select', options: EVENT_STATUSES.map((v) => ({ value: v, label: label('EventStatus', v) })), value: e?.status ?? 'SCHEDULED', id: 'event-status' },
        visibilityField(e?.visibility, 'PUBLIC'),
      ].filter(Boolean);
    },
    input: (v, e) => {
      if (!v.startDate) throw localError({ startsAt: t('check.required') });
      const zone = v.timezone || 'Europe/Paris';
      // An all-day event is given by its days (the last one inclusive): the hub reads them in
      // the event's zone.
      let startsAt = v.startDate;
      let endsAt = v.endDate || v.startDate;
      if (!v.allDay) {
        startsAt = zonedToIso(v.startDate, v.startTime || '00:00', zone);
        endsAt = v.endDate || v.endTime ? zonedToIso(v.endDate || v.startDate, v.endTime || v.startTime || '00:00', zone) : null;
      }
      const input = {
        title: v.title ?? '',
        description: v.description,
        location: { name: v.locationName, address: v.address, postalCode: v.postalCode, city: v.city, departement: v.departement, region: v.region || null },
        startsAt,
        endsAt,
        allDay: v.allDay,
        timezone: zone,
        openToPublic: v.openToPublic,
        url: v.url,
        author: v.author,
        audiences: v.audiences,
        tags: tagsOf(v.tags),
        status: v.status,
        visibility: v.visibility || 'PUBLIC',
      };
      if ('organiserId' in v) {
        input.organiserId = v.organiserId || null;
        input.organiserName = v.organiserName;
      } else if (!e) {
        input.organiserId = ownOrganisation(v);
      }
      return input;
    },
    create: (input) => save('mutation CreateEvent($input: CreateEventInput!) { createEvent(input: $input) { event { id title } } }', { input }, 'createEvent', 'event'),
    update: (id, input) => save('mutation UpdateEvent($id: ID!, $input: UpdateEventInput!) { updateEvent(id: $id, input: $input) { event { id title } } }', { id, input }, 'updateEvent', 'event'),
  });
}

function zoneOptions(current) {
  const zones = ZONES.includes(current) ? ZONES : [current, ...ZONES];
  return zones.map((zone) => ({ value: zone, label: has(`zone.${zone}`) ? t(`zone.${zone}`) : zone }));
}
