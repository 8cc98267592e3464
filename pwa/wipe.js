// Forget everything this device holds: on sign-out, revocation, or a disabled account.
// Drafts, their keys, the outbox, the cached profile go with the database; only the app
// shell's cache stays, which holds no personal data.

import { forget } from './db.js';

export async function wipeLocalData() {
  forget();
  if (globalThis.indexedDB && indexedDB.databases) {
    const databases = await indexedDB.databases();
    await Promise.all(databases.map((db) => new Promise((resolve) => {
      const request = indexedDB.deleteDatabase(db.name);
      request.onsuccess = request.onerror = request.onblocked = () => resolve();
    })));
  }
  if (globalThis.caches) {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => !n.startsWith('shell-')).map((n) => caches.delete(n)));
  }
  if (globalThis.localStorage) localStorage.clear();
  if (globalThis.sessionStorage) sessionStorage.clear();
}
