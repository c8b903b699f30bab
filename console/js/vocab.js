// The API's enums, in the schema's order (their labels are `enum.<Type>.<VALUE>` in the
// catalogues).

export const REGIONS = [
  'AUVERGNE_RHONE_ALPES', 'BOURGOGNE_FRANCHE_COMTE', 'BRETAGNE', 'CENTRE_VAL_DE_LOIRE', 'CORSE',
  'GRAND_EST', 'HAUTS_DE_FRANCE', 'ILE_DE_FRANCE', 'NORMANDIE', 'NOUVELLE_AQUITAINE', 'OCCITANIE',
  'PAYS_DE_LA_LOIRE', 'PROVENCE_ALPES_COTE_D_AZUR', 'GUADELOUPE', 'MARTINIQUE', 'GUYANE',
  'LA_REUNION', 'MAYOTTE',
];

export const AUDIENCES = [
  'COLLEGE', 'LYCEE', 'HIGHER_EDUCATION', 'APPRENTICES', 'PARENTS', 'TEACHERS', 'CAREER_ADVISERS',
  'JOB_SEEKERS', 'EMPLOYEES', 'COMPANIES', 'GENERAL_PUBLIC',
];

export const RESOURCE_KINDS = [
  'VIDEO', 'SLIDE_DECK', 'BROCHURE', 'POSTER', 'TEACHING_KIT', 'EXHIBITION', 'PORTRAIT', 'GUIDE',
  'WEBSITE', 'OTHER',
];

export const ORGANISATION_KINDS = ['ASSOCIATION', 'CMQ', 'COMPANY', 'SCHOOL', 'PUBLIC_BODY', 'NETWORK', 'OTHER'];

export const VISIBILITIES = ['PUBLIC', 'PARTNERS', 'ORGANISATION'];

export const EVENT_STATUSES = ['SCHEDULED', 'CANCELLED', 'REMOVED_UPSTREAM'];

export const ACTION_STATUSES = ['PLANNED', 'IN_PROGRESS', 'COMPLETED', 'ABANDONED'];

export const PRIORITIES = ['LOW', 'MEDIUM', 'HIGH'];

export const ROLES = ['MEMBER', 'EDITOR', 'ADMIN'];

export const FEED_FORMATS = ['AUTO', 'ICAL', 'RSS', 'ATOM', 'JSON_FEED', 'WP_EVENTS_CALENDAR', 'JSON_LD', 'OPEN_AGENDA', 'CSV'];

export const IMPORT_KINDS = ['EVENTS', 'RESOURCES', 'CONTACTS'];

export const SEARCH_TYPES = ['EVENT', 'RESOURCE', 'ORGANISATION', 'CONTACT', 'ACTION'];

/** Time zones offered for events: France's, mainland and overseas. */
export const ZONES = [
  'Europe/Paris', 'America/Guadeloupe', 'America/Martinique', 'America/Cayenne', 'Indian/Reunion',
  'Indian/Mayotte', 'America/Miquelon', 'Pacific/Noumea', 'Pacific/Tahiti', 'Pacific/Wallis',
];
