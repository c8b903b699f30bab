// What went wrong, in the reader's language: each `extensions.code` the hub answers has a
// sentence (`error.code.*` in the catalogues), and the checks of a field (`BAD_USER_INPUT`,
// whose message the hub writes in English) are read into a sentence of their own.

import { t, lang, has } from './i18n.js';

/** The sentence for a whole failed request. */
export function describe(err) {
  if (err?.sentence) return err.sentence;
  if (!err || typeof err !== 'object' || !('code' in err)) return t('error.code.UNKNOWN');
  const code = err.code;
  const key = `error.code.${code}`;
  const own = bilingual(err.errors?.[0]?.message);
  // The hub says which record is taken, which field is wrong, whose editors may write.
  if (own && ['CONFLICT', 'BAD_USER_INPUT', 'FORBIDDEN'].includes(code)) return own;
  if (code === 'RATE_LIMITED' || code === 'UNAVAILABLE') {
    const seconds = err.retryAfter ?? 1;
    return t(key, { seconds });
  }
  if (has(key)) return t(key);
  if (/^HTTP_\d+$/.test(code)) return t('error.code.HTTP', { status: err.status });
  return t('error.code.UNKNOWN');
}

/** Patterns of the hub's field checks (`<field> must …`), and the sentence each stands for. */
const CHECKS = [
  [/ must not be empty$| is required$/, 'check.required'],
  [/ must be at most (\d+) characters$/, 'check.too_long'],
  [/ must be a single line of text$/, 'check.single_line'],
  [/ contains control characters$/, 'check.control'],
  [/ must be an absolute http or https URL$| is not valid$/, 'check.url'],
  [/ must be a valid e-mail address$/, 'check.email'],
  [/ must be a phone number/, 'check.phone'],
  [/ must be 2 to 64 lowercase letters or digits/, 'check.slug'],
  [/ must be a département code/, 'check.departement'],
  [/ must be five digits$/, 'check.postal_code'],
  [/ must be an IANA time zone/, 'check.timezone'],
  [/ must be a language code/, 'check.language'],
  [/ must be between (-?\d+) and (-?\d+)$/, 'check.between'],
  [/ must not be before startsAt$/, 'check.ends_before_start'],
  [/ must hold at most (\d+) tags$/, 'check.tags'],
  [/ must not be negative$/, 'check.negative'],
  [/ is not a valid id$| names no record$| names no organisation$|^no organisation has this id$/, 'check.unknown_record'],
  [/ cannot be null$/, 'check.not_null'],
  [/^currentPassword is wrong$/, 'check.current_password'],
  [/could not be read$/, 'check.file'],
  [/already (exists|taken|used)|is taken$/, 'check.taken'],
  [/^"(.*)" is not a date/, 'check.date'],
  [/^"(.*)" is not an audience$/, 'check.audience'],
  [/^"(.*)" is not PUBLIC, PARTNERS or ORGANISATION$/, 'check.visibility'],
  [/^"(.*)" is not a French région$/, 'check.region'],
  [/^"(.*)" is not Oui\/Non$/, 'check.yes_no'],
  [/^unreadable row/, 'check.unreadable_row'],
];

/**
 * The sentence shown beside a field for one of the hub's errors: the hub's own French when it
 * wrote one (`français / English`), else the check it names, else the code's sentence with
 * the hub's words.
 */
export function fieldSentence(error) {
  if (error?.sentence) return error.sentence;
  const message = String(error?.message ?? '');
  const own = bilingual(message);
  if (own) return own;
  for (const [pattern, key] of CHECKS) {
    const match = message.match(pattern);
    if (match) return t(key, { n: match[1], min: match[1], max: match[2], value: match[1] });
  }
  const code = error?.extensions?.code;
  if (code === 'CONFLICT') return t('check.taken');
  return t('check.other', { detail: message });
}

/** The half of a hub message written `français / English` in the console's language. */
function bilingual(message) {
  const halves = String(message ?? '').split(' / ');
  if (halves.length !== 2) return null;
  return lang() === 'fr' ? halves[0] : halves[1];
}

/** A row refused by an import (`column: message`), in the reader's language. */
export function rowSentence(message) {
  const text = String(message ?? '');
  const own = bilingual(text);
  if (own) return own;
  const cut = text.indexOf(': ');
  if (cut < 0) return fieldSentence({ message: text });
  const column = text.slice(0, cut);
  return `${column} : ${fieldSentence({ message: text.slice(cut + 2) })}`;
}
