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

// These answers give the session a new cookie and void the old token (so a stolen cookie
// does not ride on a fresh proof). A request in flight meanwhile is answered 401 with the
// old one: that is no sign-out, so it goes once more with the new cookie rather than lock
// the app in the middle of the person's step-up.
const NEW_COOKIE = new Set(['/auth/step-up/finish', '/auth/login/finish', '/auth/enrol/finish']);
let rotations = 0; // such answers received so far
let rotating = null; // one in flight: settles when it is answered

function rotation(pending) {
  const settled = pending.catch(() => null).then(() => {
    rotations += 1;
    if (rotating === settled) rotating = null;
  });
  rotating = settled;
  return pending;
}

// True when a 401 to a request sent after `sent` rotations may be the old cookie's.
async function cookieChanged(sent) {
  if (rotating) await rotating;
  return rotations !== sent;
}

export async function request(method, path, body, proved = false, again = false) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (method !== 'GET') {
    init.headers['X-Requested-With'] = 'frontline';
  }
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const sent = rotations;
  const rotates = NEW_COOKIE.has(path);
  const pending = fetch(`/api/v1${path}`, init);
  const response = await (rotates ? rotation(pending) : pending);
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (response.status === 403 && data.code === 'auth.step_up_required' && stepUp && !proved) {
    await stepUp();
    return request(method, path, body, true);
  }
  if (response.status === 401 && !rotates && !again && (await cookieChanged(sent))) {
    return request(method, path, body, proved, true);
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
