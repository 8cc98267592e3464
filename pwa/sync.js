// Send the outbox: from the page (on start, on `online`, on "sync now") and from the
// service worker (Background Sync). A Web Lock keeps the two from sending at once; were
// they to, the server answers the second "duplicate" and nothing is doubled.

import { request } from './api.js';
import * as db from './db.js';
import { flush } from './outbox.js';
import * as vault from './vault.js';

export const SYNC_TAG = 'frontline-outbox';

// How long a batch may take before it is abandoned and tried again later, so a request the
// network or an overloaded server never answers cannot hold the outbox (and the Web Lock)
// for good: 30 s, and about a second more for every 32 KB sent (a slow but working upload).
export function timeoutFor(bytes) {
  return 30_000 + Math.ceil(bytes / 32);
}

// Resending after a timeout is safe: the same envelope again answers "duplicate".
export async function sendBatch(envelopes) {
  const body = { envelopes };
  const bytes = envelopes.reduce((n, e) => n + e.jwe.length, 0);
  return (await request('POST', '/sync', body, { timeout: timeoutFor(bytes) })).results;
}

// The outbox as flush() works on it. Whom to contact about a known child is sealed to the
// vault before it is kept: the worker can seal it though it holds no key that opens it.
export const outboxStore = {
  all: () => db.all('outbox'),
  put: (item) => db.put('outbox', item),
  remove: (clientId) => db.remove('outbox', clientId),
  putSent: async (record) => db.put('sent', {
    ...record,
    known: record.known ? await vault.seal(record.known, `known:${record.client_id}`) : null,
  }),
};

export function syncOutbox({ force = false } = {}) {
  const run = () => flush({ store: outboxStore, send: sendBatch, force });
  return navigator.locks ? navigator.locks.request(SYNC_TAG, run) : run();
}

export async function askForBackgroundSync() {
  if (!('serviceWorker' in navigator)) return false;
  const registration = await navigator.serviceWorker.ready;
  if (!registration.sync) return false;
  try {
    await registration.sync.register(SYNC_TAG);
    return true;
  } catch {
    return false;
  }
}
