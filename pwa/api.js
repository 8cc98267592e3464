// The one way the app talks to the server: JSON, the CSRF header, problem+json errors.
// Used by the page and by the service worker (no DOM here).

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || 'http.error';
    this.problem = problem;
  }
}

// Codes after which this device must forget what it holds (the PWA wipes on them).
export const WIPE_CODES = new Set(['device.revoked', 'user.disabled']);

// What to do when the server wants a fresh passkey proof before a sensitive change
// (403 auth.step_up_required): the page sets it; the request is then made once more.
let stepUp = null;
export function onStepUp(handler) {
  stepUp = handler;
}

export async function request(method, path, body, proved = false) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (method !== 'GET') {
    init.headers['X-Requested-With'] = 'frontline';
  }
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`/api/v1${path}`, init);
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (response.status === 403 && data.code === 'auth.step_up_required' && stepUp && !proved) {
    await stepUp();
    return request(method, path, body, true);
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401 && typeof window !== 'undefined') {
      window.dispatchEvent(new CustomEvent('frontline:signed-out', { detail: error }));
    }
    throw error;
  }
  return data;
}
