// The console's only way to the hub: GraphQL over HTTP at /graphql (and the export URLs,
// see download.js), with the session's bearer token, a time limit, and errors kept whole
// (`extensions.code`, `field`, `retryAfter`) for the page to put in words.

import * as tokens from './token.js';

const ENDPOINT = '/graphql';
/** A little longer than the hub's own request limit (30 s), which answers `TIMEOUT`. */
const TIME_LIMIT_MS = 35000;
/** A query the hub says to send again (`UNAVAILABLE`) is sent once more after this long at most. */
const RETRY_WAIT_MAX_MS = 5000;

/** A failed request: `kind` is `network`, `timeout`, `http` or `graphql`. */
export class ApiError extends Error {
  constructor(kind, { errors = [], status = 0 } = {}) {
    super(errors[0]?.message || kind);
    this.name = 'ApiError';
    this.kind = kind;
    this.errors = errors;
    this.status = status;
  }

  /** The first error's `extensions.code` (or `NETWORK`, `TIMEOUT`, `HTTP_<status>`). */
  get code() {
    const code = this.errors[0]?.extensions?.code;
    if (code) return code;
    if (this.kind === 'network') return 'NETWORK';
    if (this.kind === 'timeout') return 'TIMEOUT';
    return `HTTP_${this.status}`;
  }

  /** Seconds the hub asks to wait before trying again, when it said. */
  get retryAfter() {
    const value = this.errors.find((e) => e.extensions?.retryAfter)?.extensions?.retryAfter;
    return typeof value === 'number' ? value : null;
  }

  /** Whether any error carries `code`. */
  has(code) {
    return this.errors.some((e) => e.extensions?.code === code) || this.code === code;
  }

  /** Errors naming a field (`BAD_USER_INPUT` with `extensions.field`). */
  get fieldErrors() {
    return this.errors.filter((e) => e.extensions?.field);
  }
}

/** A refusal found before sending (two passwords that differ): `{ field: sentence }`. */
export function localError(fields) {
  return new ApiError('graphql', {
    errors: Object.entries(fields).map(([field, sentence]) => ({ message: sentence, sentence, extensions: { code: 'BAD_USER_INPUT', field } })),
  });
}

let inFlight = 0;
/** Counts a request starting (+1) or ending (-1): the progress bar shows while any runs. */
export function busy(delta) {
  inFlight += delta;
  document.dispatchEvent(new CustomEvent('passerelle:busy', { detail: inFlight }));
}

function isMutation(query) {
  return /^\s*mutation\b/.test(query);
}

/** Runs `query` (a GraphQL document) with `variables`; resolves to `data`, or rejects with an `ApiError`. */
export async function gql(query, variables = {}, options = {}) {
  try {
    return await send(query, variables, options);
  } catch (err) {
    const again = err instanceof ApiError && err.has('UNAVAILABLE') && !isMutation(query) && !options.upload;
    if (!again) throw err;
    const wait = Math.min((err.retryAfter ?? 1) * 1000, RETRY_WAIT_MAX_MS);
    await new Promise((resolve) => setTimeout(resolve, wait));
    return send(query, variables, options);
  }
}

/** Runs a mutation with one file (`importCsv`): a GraphQL multipart request. */
export function upload(query, variables, path, file) {
  return gql(query, variables, { upload: { path, file } });
}

async function send(query, variables, { upload: file } = {}) {
  const headers = { accept: 'application/graphql-response+json, application/json' };
  const token = tokens.token();
  if (token) headers.authorization = `Bearer ${token}`;
  let body;
  if (file) {
    body = new FormData();
    body.append('operations', JSON.stringify({ query, variables }));
    body.append('map', JSON.stringify({ 0: [`variables.${file.path}`] }));
    body.append('0', file.file, file.file.name);
  } else {
    headers['content-type'] = 'application/json';
    body = JSON.stringify({ query, variables });
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIME_LIMIT_MS);
  busy(1);
  let response;
  try {
    response = await fetch(ENDPOINT, { method: 'POST', headers, body, signal: controller.signal, credentials: 'omit' });
  } catch {
    throw new ApiError(controller.signal.aborted ? 'timeout' : 'network');
  } finally {
    clearTimeout(timer);
    busy(-1);
  }
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    throw new ApiError('http', { status: response.status });
  }
  const errors = Array.isArray(payload?.errors) ? payload.errors : [];
  if (errors.length) {
    const error = new ApiError('graphql', { errors, status: response.status });
    if (token && error.has('UNAUTHENTICATED') && response.status === 401) {
      document.dispatchEvent(new CustomEvent('passerelle:expired'));
    } else if (error.has('PASSWORD_CHANGE_REQUIRED')) {
      document.dispatchEvent(new CustomEvent('passerelle:password-change'));
    }
    throw error;
  }
  if (!response.ok || !payload || payload.data === undefined) {
    throw new ApiError('http', { status: response.status });
  }
  return payload.data;
}
