// Experience reports on an action or an event: the list, and a form to add one (any
// signed-in account may report).

import { h } from '../dom.js';
import { t, plural } from '../i18n.js';
import { gql } from '../api.js';
import * as session from '../session.js';
import { isoToZoned, mediumDay, HOME_ZONE } from '../format.js';
import { createForm } from '../ui/form.js';
import { announce } from '../ui/status.js';

export const REPORT_FIELDS = 'id author text rating peopleReached reportedOn';

function report(r) {
  return h(
    'li',
    { class: 'report' },
    h('h3', { class: 'report-title' }, t('report.heading', { author: r.author, date: mediumDay(r.reportedOn) })),
    r.rating ? h('p', { class: 'report-rating' }, t('report.rating_value', { n: r.rating })) : null,
    r.peopleReached !== null && r.peopleReached !== undefined ? h('p', { class: 'report-meta' }, plural('report.people', r.peopleReached)) : null,
    h('p', { class: 'report-text' }, r.text),
  );
}

/** The reports section: `subject` is `{ actionId }` or `{ eventId }`. */
export function reportsSection(reports, subject, { onAdded } = {}) {
  const list = h('ul', { class: 'reports' }, reports.map(report));
  const section = h(
    'section',
    { class: 'reports-section', 'aria-labelledby': 'reports-title' },
    h('h2', { id: 'reports-title' }, t('report.title')),
    reports.length ? null : h('p', { class: 'empty', id: 'reports-empty' }, t('report.none')),
    list,
  );
  if (!session.signedIn()) {
    section.append(h('p', { class: 'hint' }, t('report.sign_in')));
    return section;
  }
  const today = isoToZoned(new Date().toISOString(), HOME_ZONE).date;
  const user = session.current();
  const form = createForm({
    submitLabel: t('report.submit'),
    fields: [
      { name: 'author', label: t('report.author'), value: user.organisation?.name || user.displayName || '', required: true, hint: t('report.author_hint') },
      { name: 'text', label: t('report.text'), type: 'textarea', required: true, rows: 6 },
      { name: 'rating', label: t('report.rating'), type: 'select', options: [{ value: '', label: t('report.no_rating') }, ...[1, 2, 3, 4, 5].map((n) => ({ value: String(n), label: t('report.rating_value', { n }) }))] },
      { name: 'peopleReached', label: t('report.people_reached'), type: 'number', min: 0, inputmode: 'numeric' },
      { name: 'reportedOn', label: t('report.date'), type: 'date', value: today, required: true },
    ],
    onSubmit: async (values, f) => {
      const data = await gql(
        `mutation AddReport($input: CreateExperienceReportInput!) { createExperienceReport(input: $input) { experienceReport { ${REPORT_FIELDS} } } }`,
        {
          input: {
            ...subject,
            author: values.author ?? '',
            text: values.text ?? '',
            rating: values.rating ? Number(values.rating) : null,
            peopleReached: values.peopleReached,
            reportedOn: values.reportedOn ?? today,
          },
        },
      );
      list.prepend(report(data.createExperienceReport.experienceReport));
      section.querySelector('#reports-empty')?.remove();
      for (const name of ['text', 'rating', 'peopleReached']) f.field(name).control.value = '';
      announce(t('report.added'));
      onAdded?.();
    },
  });
  section.append(h('h3', { class: 'form-title' }, t('report.add')), form.element);
  return section;
}
