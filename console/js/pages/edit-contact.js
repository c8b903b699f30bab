// Creating and editing an entry of the address book.

import { t } from '../i18n.js';
import { gql } from '../api.js';
import { HOME_ZONE, isoToZoned, zonedToIso } from '../format.js';
import { REGIONS } from '../vocab.js';
import { audiencesField, editorPage, optionalEnum, organisationField, ownOrganisation, save, tagsField, tagsOf, visibilityField } from '../parts/editor.js';

const FIELDS = 'id firstName lastName jobTitle email phone region city audiences tags notes visibility consentAt organisation { id }';

export function render(ctx) {
  return editorPage(ctx, {
    titles: { create: 'edit.contact.create', update: 'edit.contact.update' },
    back: '/annuaire',
    subtitle: (c) => `${c.firstName} ${c.lastName}`,
    load: async (id) => (await gql(`query EditContact($id: ID!) { contact(id: $id) { ${FIELDS} } }`, { id })).contact,
    owner: (c) => c.organisation?.id,
    view: (c) => `/contacts/${c.id}`,
    fields: async (c) => [
      { name: 'firstName', label: t('field.first_name'), required: true, value: c?.firstName, autocomplete: 'off', id: 'contact-first-name' },
      { name: 'lastName', label: t('field.last_name'), required: true, value: c?.lastName, autocomplete: 'off', id: 'contact-last-name' },
      { name: 'jobTitle', label: t('field.job_title'), value: c?.jobTitle, id: 'contact-job-title' },
      { name: 'email', label: t('field.email'), type: 'email', value: c?.email, autocomplete: 'off', id: 'contact-email' },
      { name: 'phone', label: t('field.phone'), type: 'tel', value: c?.phone, autocomplete: 'off', id: 'contact-phone' },
      { name: 'city', label: t('field.city'), value: c?.city, id: 'contact-city' },
      { name: 'region', label: t('field.region'), type: 'select', options: optionalEnum('Region', REGIONS), value: c?.region ?? '', id: 'contact-region' },
      audiencesField(c?.audiences),
      tagsField(c?.tags),
      { name: 'notes', label: t('field.notes'), type: 'textarea', value: c?.notes, hint: t('field.notes_hint'), id: 'contact-notes' },
      { name: 'consentAt', label: t('field.consent'), type: 'date', value: c?.consentAt ? isoToZoned(c.consentAt, HOME_ZONE).date : '', hint: t('field.consent_hint'), id: 'contact-consent' },
      await organisationField({ value: c?.organisation?.id ?? null }),
      visibilityField(c?.visibility, 'PARTNERS'),
    ].filter(Boolean),
    input: (v, c) => {
      const input = {
        firstName: v.firstName ?? '',
        lastName: v.lastName ?? '',
        jobTitle: v.jobTitle,
        email: v.email,
        phone: v.phone,
        city: v.city,
        region: v.region || null,
        audiences: v.audiences,
        tags: tagsOf(v.tags),
        notes: v.notes,
        consentAt: v.consentAt ? zonedToIso(v.consentAt, '12:00', HOME_ZONE) : null,
        visibility: v.visibility || 'PARTNERS',
      };
      if ('organisationId' in v) input.organisationId = v.organisationId || null;
      else if (!c) input.organisationId = ownOrganisation(v);
      return input;
    },
    create: (input) => save('mutation CreateContact($input: CreateContactInput!) { createContact(input: $input) { contact { id firstName lastName } } }', { input }, 'createContact', 'contact'),
    update: (id, input) => save('mutation UpdateContact($id: ID!, $input: UpdateContactInput!) { updateContact(id: $id, input: $input) { contact { id firstName lastName } } }', { id, input }, 'updateContact', 'contact'),
  });
}
