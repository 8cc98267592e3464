import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ApiError, TimeoutError, request, retryAfterMs } from '../../pwa/api.js';

// A server whose session cookie changes when a step-up is finished, as ours does: a request
// sent with the old cookie and answered after the change is refused 401 auth.required.
function server() {
  const state = { cookie: 'old', calls: [], held: [] };
  globalThis.fetch = (url) => {
    const sentWith = state.cookie;
    state.calls.push([url, sentWith]);
    return new Promise((resolve) => {
      state.held.push({
        url,
        answer() {
          if (url.endsWith('/auth/step-up/finish')) state.cookie = `new${state.calls.length}`;
          const ok = url.endsWith('/auth/step-up/finish') || sentWith === state.cookie;
          const body = ok ? { ok: true } : { code: 'auth.required', detail: 'Sign in.' };
          resolve({ status: ok ? 200 : 401, ok, json: async () => body });
        },
      });
    });
  };
  state.answer = async (suffix) => {
    const i = state.held.findIndex((h) => h.url.endsWith(suffix));
    state.held.splice(i, 1)[0].answer();
    await new Promise((r) => setTimeout(r, 0));
  };
  return state;
}

function signOuts() {
  const seen = [];
  globalThis.window = new EventTarget();
  globalThis.window.addEventListener('frontline:signed-out', (e) => seen.push(e.detail.code));
  return seen;
}

test('a request in flight across a step-up goes again with the new cookie, no sign-out', async () => {
  const seen = signOuts();
  const srv = server();
  const notices = request('GET', '/me/notices');
  const finish = request('POST', '/auth/step-up/finish', { credential: {} });
  await srv.answer('/auth/step-up/finish');
  await finish;
  await srv.answer('/me/notices'); // 401: it carried the old cookie
  await srv.answer('/me/notices'); // sent again, with the new one
  assert.deepEqual(await notices, { ok: true });
  assert.deepEqual(seen, []);
  assert.equal(srv.calls.filter(([u]) => u.endsWith('/me/notices')).length, 2);
});

test('a 401 that arrives before the step-up is answered waits for it, then goes again', async () => {
  const seen = signOuts();
  const srv = server();
  const notices = request('GET', '/me/notices');
  const finish = request('POST', '/auth/step-up/finish', { credential: {} });
  // The server has changed the cookie, but its answer to the step-up is still on the way.
  srv.cookie = 'rotated';
  await srv.answer('/me/notices');
  srv.cookie = 'old'; // the finish answer below moves it on again
  await srv.answer('/auth/step-up/finish');
  await finish;
  await srv.answer('/me/notices');
  assert.deepEqual(await notices, { ok: true });
  assert.deepEqual(seen, []);
});

test('a 401 with no step-up about is a sign-out, said once', async () => {
  const seen = signOuts();
  const srv = server();
  srv.cookie = 'ended';
  const me = request('GET', '/me').catch((error) => error);
  srv.cookie = 'gone';
  await srv.answer('/me');
  const error = await me;
  assert.ok(error instanceof ApiError && error.status === 401);
  assert.deepEqual(seen, ['auth.required']);
  assert.equal(srv.calls.length, 1);
});

test('Retry-After is read as seconds or as an HTTP date; anything else is no answer', () => {
  const now = Date.parse('2026-12-03T12:00:00Z');
  assert.equal(retryAfterMs('30', now), 30_000);
  assert.equal(retryAfterMs(' 0 ', now), 0);
  assert.equal(retryAfterMs('Thu, 03 Dec 2026 12:02:00 GMT', now), 120_000);
  assert.equal(retryAfterMs('Thu, 03 Dec 2026 11:00:00 GMT', now), 0);
  for (const bad of [null, undefined, '', 'soon', '-5']) assert.equal(retryAfterMs(bad, now), null);
});

test('a 503 or 429 error carries its Retry-After', async () => {
  signOuts();
  for (const status of [503, 429]) {
    globalThis.fetch = async () => ({
      status,
      ok: false,
      headers: new Headers({ 'Retry-After': '7' }),
      json: async () => ({ code: status === 429 ? 'rate_limited' : 'server.unavailable', detail: 'Try again later.' }),
    });
    const error = await request('POST', '/sync', { envelopes: [] }).catch((e) => e);
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, status);
    assert.equal(error.retryAfter, 7_000);
  }
});

test('a request with a timeout is abandoned when no answer comes, and says so', async () => {
  signOuts();
  let signal = null;
  globalThis.fetch = (url, init) => new Promise((resolve, reject) => {
    signal = init.signal;
    init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
  });
  const started = Date.now();
  const error = await request('POST', '/sync', { envelopes: [] }, { timeout: 50 }).catch((e) => e);
  assert.ok(error instanceof TimeoutError);
  assert.equal(error.code, 'request.timeout');
  assert.equal(error.status, undefined); // no answer: nothing says the server was reached
  assert.ok(signal.aborted);
  assert.ok(Date.now() - started < 2_000);
});

test('an answer whose body never ends is abandoned too', async () => {
  signOuts();
  globalThis.fetch = async (url, init) => ({
    status: 200,
    ok: true,
    json: () => new Promise((resolve, reject) => init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))),
  });
  const error = await request('POST', '/sync', { envelopes: [] }, { timeout: 50 }).catch((e) => e);
  assert.ok(error instanceof TimeoutError);
});

test('without a timeout, no signal is attached', async () => {
  let init = null;
  globalThis.fetch = async (url, given) => {
    init = given;
    return { status: 200, ok: true, json: async () => ({ results: [] }) };
  };
  assert.deepEqual(await request('POST', '/sync', { envelopes: [] }), { results: [] });
  assert.equal(init.signal, undefined);
});
