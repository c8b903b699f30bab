// Dates and times in the zone of what they belong to (an event's own zone), written the
// reader's way: « vendredi 8 mars 2019 », « 12:00 – 14:00 ».

import { locale, t } from './i18n.js';

/** The hub's home zone: the agenda's months, the audit log's times. */
export const HOME_ZONE = 'Europe/Paris';

const formats = new Map();
function format(options) {
  const key = locale() + JSON.stringify(options);
  if (!formats.has(key)) formats.set(key, new Intl.DateTimeFormat(locale(), options));
  return formats.get(key);
}

/** The wall-clock parts of an instant in `zone`. */
export function zonedParts(instant, zone) {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

function offsetMs(utcMs, zone) {
  const p = zonedParts(utcMs, zone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - utcMs;
}

/** The instant of a wall-clock date (`2027-03-08`) and time (`14:30`) in `zone`, as ISO 8601. */
export function zonedToIso(date, time, zone) {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = (time || '00:00').split(':').map(Number);
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  let utc = guess - offsetMs(guess, zone);
  // Across a change of offset the first guess is off by the change: measure again.
  const again = guess - offsetMs(utc, zone);
  if (again !== utc) utc = again;
  return new Date(utc).toISOString();
}

const pad = (n) => String(n).padStart(2, '0');

/** The wall-clock date (`YYYY-MM-DD`) and time (`HH:MM`) of an instant in `zone`. */
export function isoToZoned(instant, zone) {
  const p = zonedParts(instant, zone);
  return { date: `${p.year}-${pad(p.month)}-${pad(p.day)}`, time: `${pad(p.hour)}:${pad(p.minute)}` };
}

/** A day (`YYYY-MM-DD`) moved by `days`. */
export function addDays(day, days) {
  const [y, m, d] = day.split('-').map(Number);
  const moved = new Date(Date.UTC(y, m - 1, d + days));
  return `${moved.getUTCFullYear()}-${pad(moved.getUTCMonth() + 1)}-${pad(moved.getUTCDate())}`;
}

/** Noon UTC of a day: a Date that reads as that day in every zone of France. */
function dayDate(day) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d, 12));
}

/** « vendredi 8 mars 2019 » for a day. */
export function longDay(day) {
  return format({ dateStyle: 'full', timeZone: 'UTC' }).format(dayDate(day));
}

/** « 8 mars 2019 » for a day. */
export function mediumDay(day) {
  return format({ dateStyle: 'long', timeZone: 'UTC' }).format(dayDate(day));
}

/** « mars 2019 » for a month (`YYYY-MM`). */
export function monthName(month) {
  return format({ month: 'long', year: 'numeric', timeZone: 'UTC' }).format(dayDate(`${month}-01`));
}

/** « 8 mars 2019, 14:30 » for an instant in `zone`. */
export function dateTime(instant, zone = HOME_ZONE) {
  if (!instant) return '';
  return format({ dateStyle: 'long', timeStyle: 'short', timeZone: zone }).format(new Date(instant));
}

/** « 14:30 » for an instant in `zone`. */
export function time(instant, zone = HOME_ZONE) {
  return format({ timeStyle: 'short', timeZone: zone }).format(new Date(instant));
}

/** The name of a zone (« heure de La Réunion »), for events held outside the home zone. */
export function zoneName(zone, instant) {
  const parts = format({ timeZone: zone, timeZoneName: 'longGeneric' }).formatToParts(new Date(instant));
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? zone;
}

/** When an event takes place, in its zone: the day(s), « toute la journée », or the times. */
export function eventWhen(event) {
  const zone = event.timezone || HOME_ZONE;
  const start = isoToZoned(event.startsAt, zone);
  let text;
  if (event.allDay) {
    // An all-day event ends at midnight after its last day.
    const last = event.endsAt ? addDays(isoToZoned(event.endsAt, zone).date, -1) : start.date;
    text =
      last > start.date
        ? format({ dateStyle: 'full', timeZone: 'UTC' }).formatRange(dayDate(start.date), dayDate(last))
        : `${longDay(start.date)} · ${t('event.all_day')}`;
  } else {
    const options = { dateStyle: 'full', timeStyle: 'short', timeZone: zone };
    text = event.endsAt
      ? format(options).formatRange(new Date(event.startsAt), new Date(event.endsAt))
      : format(options).format(new Date(event.startsAt));
  }
  if (!event.allDay && zone !== HOME_ZONE) text += ` (${zoneName(zone, event.startsAt)})`;
  return text;
}

/** The local day an event starts on, in its zone (`YYYY-MM-DD`). */
export function eventDay(event) {
  return isoToZoned(event.startsAt, event.timezone || HOME_ZONE).date;
}

/** A `<time>`-ready machine value of an instant. */
export function machine(instant) {
  return new Date(instant).toISOString();
}
