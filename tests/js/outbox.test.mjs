import assert from 'node:assert/strict';
import { test } from 'node:test';

import { BATCH, State, afterFailure, afterResult, backoff, flush, newItem } from '../../pwa/outbox.js';
import { memoryStore } from './fixtures.mjs';

const item = (n, extra = {}) => ({ ...newItem({ clientId: `c${n}`, jwe: `jwe${n}`, recordedAt: `t${n}`, details: { sealed: n }, now: n }), ...extra });

test('an item says in clear only when it was recorded; the rest comes sealed', () => {
  const fresh = newItem({ clientId: 'c1', jwe: 'j', recordedAt: '2026-11-26T02:10:00+00:00', details: { sealed: 1 }, now: 5 });
  assert.deepEqual(Object.keys(fresh).sort(), ['attempts', 'client_id', 'created_at', 'details', 'error', 'jwe', 'next_at', 'recorded_at', 'state']);
  const out = afterResult(fresh, { client_id: 'c1', status: 'accepted', concern_id: 'k' });
  assert.equal(out.sent.recorded_at, '2026-11-26T02:10:00+00:00');
  assert.deepEqual(out.sent.details, { sealed: 1 });
});

test('flush hands the "already known" answers back for the page to show', async () => {
  const store = memoryStore([item(1), item(2)]);
  const known = { contact: [{ inbox: 'MASH', agency: 'Council' }] };
  const send = async (envelopes) => envelopes.map((e) => ({ client_id: e.client_id, status: 'accepted', concern_id: 'k', ...(e.client_id === 'c2' ? { known } : {}) }));
  const summary = await flush({ store, send, now: 10 });
  assert.deepEqual(summary.known, [{ client_id: 'c2', known }]);
});

test('backoff doubles from 5 s with jitter and caps at 15 minutes', () => {
  assert.equal(backoff(1, () => 0), 2_500);
  assert.equal(backoff(1, () => 1), 5_000);
  assert.equal(backoff(3, () => 1), 20_000);
  assert.equal(backoff(30, () => 1), 15 * 60_000);
});

test('accepted and duplicate remove the item and keep what the recorder may see', () => {
  for (const status of ['accepted', 'duplicate']) {
    const out = afterResult(item(1), { client_id: 'c1', status, concern_id: 'k', known: { contact: [] } });
    assert.equal(out.remove, true);
    assert.equal(out.sent.concern_id, 'k');
    assert.deepEqual(out.sent.known, { contact: [] });
    assert.equal('jwe' in out.sent, false);
  }
});

test('rejected stays with the reason and is not retried by itself', () => {
  const error = { code: 'concern.dob_in_future', detail: 'The date of birth is in the future.' };
  const out = afterResult(item(1), { client_id: 'c1', status: 'rejected', error });
  assert.equal(out.remove, false);
  assert.equal(out.item.state, State.REJECTED);
  assert.deepEqual(out.item.error, error);
  assert.throws(() => afterResult(item(1), { status: 'weird' }));
});

test('a failed request puts the item back with a growing wait', () => {
  const once = afterFailure(item(1), 'network', 1000, () => 1);
  assert.equal(once.attempts, 1);
  assert.equal(once.next_at, 1000 + 5_000);
  const twice = afterFailure(once, 'network', 1000, () => 1);
  assert.equal(twice.next_at, 1000 + 10_000);
});

test('flush sends due items in batches of 50 and applies each result', async () => {
  const store = memoryStore(Array.from({ length: 120 }, (_, n) => item(n)));
  const batches = [];
  const send = async (envelopes) => {
    batches.push(envelopes.length);
    return envelopes.map((e) => (e.client_id === 'c7'
      ? { client_id: e.client_id, status: 'rejected', error: { code: 'concern.narrative_length' } }
      : { client_id: e.client_id, status: e.client_id === 'c8' ? 'duplicate' : 'accepted', concern_id: `id-${e.client_id}` }));
  };
  const summary = await flush({ store, send, now: 10_000 });
  assert.deepEqual(batches, [BATCH, BATCH, 20]);
  assert.deepEqual(summary, { sent: 119, held: 0, rejected: 1, failed: 0, stop: null, known: [] });
  assert.deepEqual([...store.outbox.keys()], ['c7']);
  assert.equal(store.sent.get('c8').status, 'duplicate');
  // The rejected item is not sent again by a later flush.
  const again = await flush({ store, send, now: 20_000 });
  assert.equal(again.sent + again.rejected + again.failed, 0);
});

test('offline: every item stays, with backoff; items not yet due are left alone', async () => {
  const store = memoryStore([item(1), item(2, { next_at: 99_999 })]);
  const send = async () => {
    throw new TypeError('Failed to fetch');
  };
  const summary = await flush({ store, send, now: 1_000, random: () => 1 });
  assert.equal(summary.failed, 1);
  assert.equal(store.outbox.get('c1').attempts, 1);
  assert.equal(store.outbox.get('c1').next_at, 6_000);
  assert.equal(store.outbox.get('c2').attempts, 0);
  // "Sync now" forces even the items still waiting out their backoff.
  const forced = await flush({ store, send: async (e) => e.map((x) => ({ ...x, status: 'accepted', concern_id: 'k' })), now: 2_000, force: true });
  assert.equal(forced.sent, 2);
  assert.equal(store.outbox.size, 0);
});

test('a 401 stops the flush and keeps every item as it was', async () => {
  const store = memoryStore([item(1), item(2)]);
  const send = async () => {
    throw Object.assign(new Error('revoked'), { status: 401, code: 'device.revoked' });
  };
  const summary = await flush({ store, send, now: 5 });
  assert.equal(summary.stop, 'device.revoked');
  assert.equal(store.outbox.get('c1').attempts, 0);
  assert.equal(store.outbox.size, 2);
});

test('a missing result for an envelope counts as a failure, not a loss', async () => {
  const store = memoryStore([item(1), item(2)]);
  const summary = await flush({ store, send: async () => [{ client_id: 'c1', status: 'accepted', concern_id: 'k' }], now: 5 });
  assert.equal(summary.sent, 1);
  assert.equal(summary.failed, 1);
  assert.ok(store.outbox.has('c2'));
});
