// Send the outbox: from the page (on start, on `online`, on "sync now") and from the
// service worker (Background Sync). A Web Lock keeps the two from sending at once; were
// they to, the server answers the second "duplicate" and nothing is doubled.

import { request } from './api.js';
import * as db from './db.js';
import { flush } from './outbox.js';
import { flushAddenda } from './addenda-outbox.js';
import { flushPhotos } from './photo-outbox.js';
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

// One sealed photo; the same again answers "duplicate".
export async function sendPhoto(item) {
  const body = { client_id: item.client_id, jwe: item.jwe };
  return request('POST', '/attachments', body, { timeout: timeoutFor(item.jwe.length) });
}

const storeOf = (name) => ({
  all: () => db.all(name),
  put: (item) => db.put(name, item),
  remove: (clientId) => db.remove(name, clientId),
});
export const photoStore = storeOf('photos');
export const addendumStore = storeOf('addenda');

// One sealed addendum to its concern; the same again answers "duplicate".
export async function sendAddendum(item) {
  const body = { client_id: item.client_id, jwe: item.jwe };
  return request('POST', `/concerns/${item.concern_id}/addenda`, body, { timeout: timeoutFor(item.jwe.length) });
}

// Photos first, then envelopes, then addenda: the server holds a photo and its record to
// each other whichever comes first, so that order only decides how soon a record shows its
// photo; an addendum is to a concern the server already holds.
async function sendAll(force) {
  const stopped = (side) => ({ sent: 0, held: 0, rejected: 0, failed: side.failed, stop: side.stop, known: [] });
  const photos = await flushPhotos({ store: photoStore, send: sendPhoto, force });
  if (photos.stop) return { ...stopped(photos), photos };
  const result = await flush({ store: outboxStore, send: sendBatch, force });
  if (result.stop) return { ...result, failed: result.failed + photos.failed, photos };
  const addenda = await flushAddenda({ store: addendumStore, send: sendAddendum, force });
  const failed = result.failed + photos.failed + addenda.failed;
  return { ...result, failed, stop: addenda.stop, photos, addenda };
}

export function syncOutbox({ force = false } = {}) {
  const run = () => sendAll(force);
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
