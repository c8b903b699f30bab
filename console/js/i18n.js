// French first, English on request: every text of the console comes from a catalogue.

import fr from './messages/fr.js';
import en from './messages/en.js';

const CATALOGUES = { fr, en };
const KEY = 'passerelle.lang';

let current = readStored();

function readStored() {
  try {
    return window.localStorage.getItem(KEY) === 'en' ? 'en' : 'fr';
  } catch {
    return 'fr';
  }
}

/** The console's language: `fr` or `en`. */
export function lang() {
  return current;
}

/** The locale dates and numbers are written in. */
export function locale() {
  return current === 'fr' ? 'fr-FR' : 'en-GB';
}

/** Switches the language (remembered on this browser) and tells the page to draw again. */
export function setLang(next) {
  current = next === 'en' ? 'en' : 'fr';
  try {
    window.localStorage.setItem(KEY, current);
  } catch {
    // A browser that keeps nothing still switches for this visit.
  }
  document.documentElement.lang = current;
  document.dispatchEvent(new CustomEvent('passerelle:lang'));
}

/** The text of `key`, with `{name}` placeholders filled from `params`. */
export function t(key, params) {
  const text = CATALOGUES[current][key] ?? fr[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** Whether `key` has a text. */
export function has(key) {
  return key in fr;
}

/** `key.one` or `key.other` for `n` (French counts 0 and 1 as singular), with `{n}`. */
export function plural(key, n, params = {}) {
  const one = current === 'fr' ? n < 2 : n === 1;
  return t(`${key}.${one ? 'one' : 'other'}`, { n: number(n), ...params });
}

/** A number in the console's locale. */
export function number(n) {
  return new Intl.NumberFormat(locale()).format(n);
}

/** The label of an enum value (`label('Region', 'ILE_DE_FRANCE')`). */
export function label(type, value) {
  if (value === null || value === undefined) return '';
  const key = `enum.${type}.${value}`;
  return has(key) ? t(key) : String(value);
}
