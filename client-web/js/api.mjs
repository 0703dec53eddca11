// Booking's JSON API (docs/openapi.yaml), same origin, session cookie.
// Every error answer has the shape {"error":{"code","message","field"}}; it
// becomes an ApiError the pages show in the GOV.UK error summary.
import { t } from './i18n/index.mjs';
export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message || code || `HTTP ${status}`);
    this.status = status; this.code = code; this.field = field;
  }
}

// The CSRF token comes with sign-in and GET /me; every change carries it.
let csrfToken = '';
function csrf() { return csrfToken; }

export function rememberCsrf(token) {
  if (token) csrfToken = token;
}

export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrf();
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'network', t('code.network'));
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    const err = new ApiError(res.status, e.code, e.message, e.field);
    // 429 (a throttled sign-in): how many seconds to wait.
    const ra = Number(res.headers.get('retry-after'));
    if (Number.isInteger(ra) && ra > 0) err.retryAfter = ra;
    throw err;
  }
  return data;
}

export const get = (p) => api('GET', p);
export const post = (p, b = {}) => api('POST', p, b);
export const put = (p, b = {}) => api('PUT', p, b);
export const patch = (p, b = {}) => api('PATCH', p, b);
export const del = (p) => api('DELETE', p);

// A raw image body (the ID check's photos: PUT /identity/visitors/{id}/{kind}).
export async function putImage(path, blob) {
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {
      method: 'PUT', credentials: 'same-origin', body: blob,
      headers: { accept: 'application/json', 'content-type': blob.type, 'x-csrf-token': csrf() },
    });
  } catch (e) {
    throw new ApiError(0, 'network', t('code.network'));
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const e = (data && data.error) || {};
    throw new ApiError(res.status, e.code, e.message, e.field);
  }
  return data;
}
