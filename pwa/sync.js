// Send the outbox: from the page (on start, on `online`, on "sync now") and from the
// service worker (Background Sync). A Web Lock keeps the two from sending at once; were
// they to, the server answers the second "duplicate" and nothing is doubled.

import { request } from './api.js';
import * as db from './db.js';
import { flush } from './outbox.js';

export const SYNC_TAG = 'frontline-outbox';

export async function sendBatch(envelopes) {
  const body = await request('POST', '/sync', { envelopes });
  return body.results;
}

export function syncOutbox({ force = false } = {}) {
  const run = () => flush({ store: db.outboxStore, send: sendBatch, force });
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
