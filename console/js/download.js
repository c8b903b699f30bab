// The export URLs (vCard, CSV, iCalendar) fetched with the session's bearer token, then
// handed to the browser as a file: a plain link cannot carry the token.

import * as tokens from './token.js';
import { ApiError, busy } from './api.js';

/** Downloads `url` as `filename`; rejects with an `ApiError` saying why it failed. */
export async function download(url, filename) {
  const headers = {};
  const token = tokens.token();
  if (token) headers.authorization = `Bearer ${token}`;
  busy(1);
  let response;
  try {
    response = await fetch(url, { headers, credentials: 'omit' });
  } catch {
    throw new ApiError('network');
  } finally {
    busy(-1);
  }
  if (!response.ok) {
    const code = { 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 400: 'BAD_USER_INPUT' }[response.status];
    throw new ApiError('http', { status: response.status, errors: code ? [{ message: await response.text(), extensions: { code } }] : [] });
  }
  const blob = await response.blob();
  const address = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = address;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(address), 60000);
}

/** An export URL with the current filters as query parameters. */
export function exportUrl(path, params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') query.set(key, value);
  }
  const search = query.toString();
  return search ? `${path}?${search}` : path;
}
