// Forget everything this device holds: on sign-out, revocation, or a disabled account.

export async function wipeLocalData() {
  if (globalThis.indexedDB && indexedDB.databases) {
    const databases = await indexedDB.databases();
    await Promise.all(databases.map((db) => new Promise((resolve) => {
      const request = indexedDB.deleteDatabase(db.name);
      request.onsuccess = request.onerror = request.onblocked = () => resolve();
    })));
  }
  if (globalThis.caches) {
    const names = await caches.keys();
    await Promise.all(names.map((name) => caches.delete(name)));
  }
  localStorage.clear();
  sessionStorage.clear();
}
