// Pages live in the address's fragment (`/#/agenda?region=BRETAGNE`): every view and its
// filters can be bookmarked and shared, and the hub serves one page whatever the view.

/** The current route: `{ path, query }` (`query` a URLSearchParams). */
export function current() {
  const raw = window.location.hash.replace(/^#/, '') || '/';
  const [path, search = ''] = raw.split('?');
  return { path: decodeURI(path) || '/', query: new URLSearchParams(search) };
}

/** The fragment address of `path` with `query` (an object or URLSearchParams; empty values left out). */
export function href(path, query) {
  const params = new URLSearchParams();
  const entries = query instanceof URLSearchParams ? query.entries() : Object.entries(query || {});
  for (const [key, value] of entries) {
    if (value === null || value === undefined || value === '' || value === false) continue;
    params.append(key, value === true ? '1' : String(value));
  }
  const search = params.toString();
  return `#${encodeURI(path)}${search ? `?${search}` : ''}`;
}

/** Goes to `path` (adds a history entry unless `replace`). */
export function go(path, query, { replace = false } = {}) {
  const target = href(path, query);
  if (replace) {
    window.history.replaceState(null, '', target);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else if (window.location.hash === target) {
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    window.location.hash = target;
  }
}

/** Changes some query parameters of the current route (`null` removes one). */
export function update(changes, { replace = true } = {}) {
  const { path, query } = current();
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === '' || value === false) query.delete(key);
    else query.set(key, value === true ? '1' : String(value));
  }
  go(path, query, { replace });
}

/**
 * Matches `path` against `routes` (`[{ pattern: '/evenements/:id', … }]`); resolves to the
 * route and its parameters, or `null`.
 */
export function match(routes, path) {
  for (const route of routes) {
    const names = [];
    const source = route.pattern.replace(/:(\w+)/g, (_, name) => {
      names.push(name);
      return '([^/]+)';
    });
    const found = new RegExp(`^${source}/?$`).exec(path);
    if (found) {
      const params = {};
      names.forEach((name, i) => {
        params[name] = decodeURIComponent(found[i + 1]);
      });
      return { route, params };
    }
  }
  return null;
}
