// The one way the app talks to the server: JSON, the CSRF header, problem+json errors.
// Used by the page and by the service worker (no DOM here).

export class ApiError extends Error {
  // `retryAfter`: the answer's Retry-After in ms (429, 503), or null.
  constructor(status, problem, retryAfter = null) {
    super(problem.detail || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || 'http.error';
    this.problem = problem;
    this.retryAfter = retryAfter;
  }
}

// No answer within the time allowed: the request was abandoned (the server may still have
// received it, so whatever is sent again must be safe to send twice).
export class TimeoutError extends Error {
  constructor(ms) {
    super(`No answer within ${Math.round(ms / 1000)} s`);
    this.name = 'TimeoutError';
    this.code = 'request.timeout';
  }
}

// A Retry-After header (RFC 9110, section 10.2.3): delay-seconds or an HTTP date; returns
// milliseconds from `now`, or null when absent or unreadable.
export function retryAfterMs(value, now = Date.now()) {
  if (typeof value !== 'string' || !value.trim()) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/^[A-Za-z]/.test(text)) return null; // every HTTP date begins with the day's name
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
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

// `timeout` (ms): abandon the request, answer included, if it takes longer (TimeoutError).
export async function request(method, path, body, { proved = false, again = false, timeout = 0 } = {}) {
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
  const controller = timeout ? new AbortController() : null;
  if (controller) init.signal = controller.signal;
  const timer = controller ? setTimeout(() => controller.abort(), timeout) : null;
  let response;
  let data;
  try {
    const pending = fetch(`/api/v1${path}`, init);
    response = await (rotates ? rotation(pending) : pending);
    if (response.status === 204) return null;
    data = await response.json().catch((error) => {
      if (controller && controller.signal.aborted) throw error;
      return {};
    });
  } catch (error) {
    if (controller && controller.signal.aborted) throw new TimeoutError(timeout);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  if (response.status === 403 && data.code === 'auth.step_up_required' && stepUp && !proved) {
    await stepUp();
    return request(method, path, body, { proved: true, timeout });
  }
  if (response.status === 401 && !rotates && !again && (await cookieChanged(sent))) {
    return request(method, path, body, { proved, again: true, timeout });
  }
  if (!response.ok) {
    const headers = response.headers;
    const error = new ApiError(response.status, data, retryAfterMs(headers ? headers.get('Retry-After') : null));
    if (response.status === 401 && typeof window !== 'undefined') {
      window.dispatchEvent(new CustomEvent('frontline:signed-out', { detail: error }));
    }
    throw error;
  }
  return data;
}
