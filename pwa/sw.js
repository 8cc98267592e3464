// The service worker only wires events; caching lives in precache.js, sending in sync.js.

import * as precache from './precache.js';
import { SYNC_TAG, syncOutbox } from './sync.js';
import { wipeLocalData } from './wipe.js';

const tell = async (message) => {
  for (const client of await self.clients.matchAll({ includeUncontrolled: true })) client.postMessage(message);
};

self.addEventListener('install', (event) => {
  // The first version takes over at once; later versions wait for the page's prompt.
  event.waitUntil(precache.install().then(() => (self.registration.active ? null : self.skipWaiting())));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(precache.activate().then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  if (precache.handles(event.request)) event.respondWith(precache.respond(event.request));
});

self.addEventListener('message', (event) => {
  // Only our own pages can message this worker; still, check where it came from.
  if (event.origin !== self.location.origin) return;
  if (event.data && event.data.type === 'activate-update') self.skipWaiting();
});

self.addEventListener('sync', (event) => {
  if (event.tag !== SYNC_TAG) return;
  event.waitUntil(syncOutbox().then(async (result) => {
    if (result.stop === 'device.revoked' || result.stop === 'user.disabled') {
      await wipeLocalData();
      await tell({ type: 'wiped' });
      return;
    }
    await tell({ type: 'outbox-changed' });
    // Left-over failures, or envelopes the server keeps and wants again: reject, so the
    // browser schedules this sync again.
    if (result.failed || result.held) throw new Error('some envelopes are still waiting');
  }));
});

// A push notice: an open page reads its screen again at once (refresh.js), and the phone
// shows the notice (which names no child). The home a tap opens lands on the person's work.
self.addEventListener('push', (event) => {
  const data = event.data ? event.data.json() : { title: 'Frontline', body: 'Something needs your attention.' };
  event.waitUntil(tell({ type: 'push' }).then(() => self.registration.showNotification(data.title, { body: data.body, tag: 'frontline' })));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow('/#/'));
});
