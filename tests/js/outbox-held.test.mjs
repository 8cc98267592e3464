import assert from 'node:assert/strict';
import { test } from 'node:test';

import { KEPT, State, Wait, afterFailure, afterResult, flush, newItem, revive } from '../../pwa/outbox.js';
import { memoryStore } from './fixtures.mjs';

// The answers under load: the server keeps an envelope and wants it again (in_progress,
// quarantined), or asks for time (429, 503 with Retry-After). The phone must send the very
// same envelope again, never seal the concern anew: that would make a second concern.

const item = (n, extra = {}) => ({ ...newItem({ clientId: `c${n}`, jwe: `jwe${n}`, recordedAt: `t${n}`, now: n }), ...extra });
const kept = (code) => ({ status: 'rejected', error: { code, detail: 'Kept; sync again shortly.' } });
const accept = (e) => ({ client_id: e.client_id, status: 'accepted', concern_id: `id-${e.client_id}` });
const busy = (status, retryAfter = null) => Object.assign(new Error('busy'), { status, code: status === 429 ? 'rate_limited' : 'server.unavailable', retryAfter });

// A server that answers each request with the next of `answers` (a function of the
// envelopes, or an error to throw), and records what it was sent.
function scripted(answers) {
  const requests = [];
  const send = async (envelopes) => {
    requests.push(envelopes);
    const answer = answers.shift();
    if (answer instanceof Error) throw answer;
    return envelopes.map(answer);
  };
  return { requests, send };
}

test('in_progress and quarantined keep the item waiting, for the server, with backoff', () => {
  assert.deepEqual([...KEPT].sort(), ['envelope.in_progress', 'envelope.quarantined']);
  for (const code of KEPT) {
    const once = afterResult(item(1), { client_id: 'c1', ...kept(code) }, 1_000, () => 1);
    assert.equal(once.remove, false);
    assert.equal(once.held, true);
    assert.equal(once.item.state, State.WAITING);
    assert.equal(once.item.error, null);
    assert.equal(once.item.waiting_for, Wait.SERVER);
    assert.equal(once.item.last_failure, code);
    assert.equal(once.item.jwe, 'jwe1');
    assert.equal(once.item.client_id, 'c1');
    assert.equal(once.item.next_at, 1_000 + 5_000);
    const twice = afterResult(once.item, { client_id: 'c1', ...kept(code) }, 1_000, () => 1);
    assert.equal(twice.item.attempts, 2);
    assert.equal(twice.item.next_at, 1_000 + 10_000);
  }
});

test('every other rejection is final, as before', () => {
  for (const code of ['concern.dob_in_future', 'envelope.kid_unknown', 'envelope.epk_invalid', 'proof.invalid', 'envelope.rejected']) {
    const out = afterResult(item(1), { client_id: 'c1', status: 'rejected', error: { code } }, 1_000);
    assert.equal(out.item.state, State.REJECTED, code);
    assert.equal(out.held, undefined);
    assert.equal(out.item.error.code, code);
  }
});

test('in_progress, then the same envelope again, then accepted: one concern', async () => {
  const store = memoryStore([item(1)]);
  const server = scripted([(e) => ({ client_id: e.client_id, ...kept('envelope.in_progress') }), (e) => ({ ...accept(e), status: 'duplicate' })]);
  const first = await flush({ store, send: server.send, now: 1_000, random: () => 1 });
  assert.deepEqual(first, { sent: 0, held: 1, rejected: 0, failed: 0, stop: null, known: [] });
  assert.equal(store.outbox.get('c1').state, State.WAITING);
  // Not due yet: nothing goes.
  await flush({ store, send: server.send, now: 5_999, random: () => 1 });
  assert.equal(server.requests.length, 1);
  const second = await flush({ store, send: server.send, now: 6_000, random: () => 1 });
  assert.equal(second.sent, 1);
  assert.deepEqual(server.requests, [[{ client_id: 'c1', jwe: 'jwe1' }], [{ client_id: 'c1', jwe: 'jwe1' }]]);
  assert.equal(store.outbox.size, 0);
  assert.equal(store.sent.get('c1').concern_id, 'id-c1');
});

test('quarantined waits through several rounds and is never marked rejected', async () => {
  const store = memoryStore([item(1)]);
  const q = (e) => ({ client_id: e.client_id, ...kept('envelope.quarantined') });
  const server = scripted([q, q, q, accept]);
  let now = 0;
  for (let round = 0; round < 3; round += 1) {
    const summary = await flush({ store, send: server.send, now, random: () => 1, force: true });
    assert.equal(summary.held, 1);
    assert.equal(summary.rejected, 0);
    assert.equal(store.outbox.get('c1').state, State.WAITING);
    now = store.outbox.get('c1').next_at;
  }
  assert.equal(store.outbox.get('c1').attempts, 3);
  assert.equal((await flush({ store, send: server.send, now })).sent, 1);
  assert.equal(new Set(server.requests.flat().map((e) => `${e.client_id}/${e.jwe}`)).size, 1);
});

test('an item an older phone marked rejected on in_progress is sent again as it was', async () => {
  const old = item(1, { state: State.REJECTED, error: { code: 'envelope.in_progress', detail: '' } });
  assert.equal(revive(old).state, State.WAITING);
  assert.equal(revive(old).waiting_for, Wait.SERVER);
  const refused = item(2, { state: State.REJECTED, error: { code: 'concern.dob_in_future' } });
  assert.equal(revive(refused), refused);
  const store = memoryStore([old, refused]);
  const server = scripted([accept]);
  const summary = await flush({ store, send: server.send, now: 10 });
  assert.equal(summary.sent, 1);
  assert.deepEqual(server.requests, [[{ client_id: 'c1', jwe: 'jwe1' }]]);
  assert.deepEqual([...store.outbox.keys()], ['c2']);
});

test('503 with Retry-After: no new try before it, not even "Sync now"', async () => {
  const store = memoryStore([item(1)]);
  const server = scripted([busy(503, 30_000), accept]);
  // The answer came 250 ms after the flush began: the 30 s count from then.
  let clock = 0;
  const send = (envelopes) => { clock += 250; return server.send(envelopes); };
  const summary = await flush({ store, send, now: 1_000, random: () => 1, clock: () => clock });
  assert.equal(summary.failed, 1);
  const waiting = store.outbox.get('c1');
  assert.equal(waiting.waiting_for, Wait.SERVER);
  assert.equal(waiting.not_before, 31_250);
  assert.equal(waiting.next_at, 31_250); // 30 s beats the first backoff's 5 s
  await flush({ store, send: server.send, now: 31_249, force: true });
  assert.equal(server.requests.length, 1);
  assert.equal((await flush({ store, send: server.send, now: 31_250 })).sent, 1);
  assert.deepEqual(server.requests[0], server.requests[1]);
});

test('a backoff longer than Retry-After wins; a Retry-After over an hour is cut to one', () => {
  const long = afterFailure(item(1, { attempts: 5 }), 'server.unavailable', 0, () => 1, { answered: true, retryAfter: 1_000 });
  assert.equal(long.next_at, 160_000);
  assert.equal(long.not_before, 1_000);
  const day = afterFailure(item(1), 'rate_limited', 0, () => 1, { answered: true, retryAfter: 86_400_000 });
  assert.equal(day.next_at, 3_600_000);
});

test('429 or 503 stops the flush: the later batches wait too', async () => {
  for (const error of [busy(429), busy(503, 2_000)]) {
    const store = memoryStore(Array.from({ length: 120 }, (_, n) => item(n)));
    const server = scripted([error, accept, accept]);
    const summary = await flush({ store, send: server.send, now: 0, random: () => 1 });
    assert.equal(server.requests.length, 1);
    assert.equal(summary.failed, 120);
    assert.ok([...store.outbox.values()].every((i) => i.attempts === 1 && i.next_at >= 5_000));
  }
});

test('no answer at all (offline, timed out) waits for signal, not for the server', async () => {
  const store = memoryStore([item(1)]);
  const timeout = Object.assign(new Error('No answer within 30 s'), { name: 'TimeoutError', code: 'request.timeout' });
  const server = scripted([timeout, accept]);
  await flush({ store, send: server.send, now: 0, random: () => 1 });
  assert.equal(store.outbox.get('c1').waiting_for, Wait.SIGNAL);
  assert.equal(store.outbox.get('c1').last_failure, 'request.timeout');
  assert.equal((await flush({ store, send: server.send, now: 5_000 })).sent, 1);
});
