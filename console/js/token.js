// The session token, kept in this tab's sessionStorage (never a cookie): it goes with each
// request as a bearer token and is gone when the tab closes.

const KEY = 'passerelle.session';

/** The stored session (`{ token, expiresAt }`), or `null` when none or expired. */
export function stored() {
  try {
    const value = JSON.parse(window.sessionStorage.getItem(KEY) || 'null');
    if (!value || typeof value.token !== 'string') return null;
    if (value.expiresAt && Date.parse(value.expiresAt) <= Date.now()) {
      clear();
      return null;
    }
    return value;
  } catch {
    return null;
  }
}

/** The bearer token to send, or `null`. */
export function token() {
  return stored()?.token ?? null;
}

export function save(token, expiresAt) {
  window.sessionStorage.setItem(KEY, JSON.stringify({ token, expiresAt }));
}

export function clear() {
  try {
    window.sessionStorage.removeItem(KEY);
  } catch {
    // Nothing stored, nothing to clear.
  }
}
