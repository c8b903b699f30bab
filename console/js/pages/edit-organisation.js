// Creating an organisation (administrators) and editing its profile (its editors).

import { t, label } from '../i18n.js';
import { gql } from '../api.js';
import * as organisations from '../organisations.js';
import { ORGANISATION_KINDS, REGIONS } from '../vocab.js';
import { editorPage, optionalEnum, save } from '../parts/editor.js';

const FIELDS = 'id slug name kind region departement city website description';

export function render(ctx) {
  return editorPage(ctx, {
    titles: { create: 'edit.organisation.create', update: 'edit.organisation.update' },
    back: '/organisations',
    subtitle: (o) => o.name,
    load: async (slug) => (await gql(`query EditOrganisation($slug: String!) { organisation(slug: $slug) { ${FIELDS} } }`, { slug })).organisation,
    owner: (o) => o.id,
    view: (o) => `/organisations/${o.slug}`,
    fields: async (o) => [
      { name: 'name', label: t('field.name'), required: true, value: o?.name, id: 'organisation-name' },
      { name: 'slug', label: t('field.slug'), required: true, value: o?.slug, hint: t('field.slug_hint'), autocomplete: 'off', id: 'organisation-slug' },
      { name: 'kind', label: t('field.kind'), type: 'select', required: true, options: ORGANISATION_KINDS.map((v) => ({ value: v, label: label('OrganisationKind', v) })), value: o?.kind ?? 'ASSOCIATION', id: 'organisation-kind' },
      { name: 'region', label: t('field.region'), type: 'select', options: optionalEnum('Region', REGIONS), value: o?.region ?? '', id: 'organisation-region' },
      { name: 'departement', label: t('field.departement'), value: o?.departement, hint: t('field.departement_hint'), id: 'organisation-departement' },
      { name: 'city', label: t('field.city'), value: o?.city, id: 'organisation-city' },
      { name: 'website', label: t('field.website'), type: 'url', value: o?.website, hint: t('field.url_hint'), id: 'organisation-website' },
      { name: 'description', label: t('field.description'), type: 'textarea', value: o?.description, rows: 6, id: 'organisation-description' },
    ],
    input: (v) => ({
      slug: v.slug ?? '',
      name: v.name ?? '',
      kind: v.kind,
      region: v.region || null,
      departement: v.departement,
      city: v.city,
      website: v.website,
      description: v.description,
    }),
    create: async (input) => {
      const saved = await save('mutation CreateOrganisation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { organisation { id slug name } } }', { input }, 'createOrganisation', 'organisation');
      organisations.invalidate();
      return saved;
    },
    update: async (id, input) => {
      const saved = await save('mutation UpdateOrganisation($id: ID!, $input: UpdateOrganisationInput!) { updateOrganisation(id: $id, input: $input) { organisation { id slug name } } }', { id, input }, 'updateOrganisation', 'organisation');
      organisations.invalidate();
      return saved;
    },
  });
}
