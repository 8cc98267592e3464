// The phone's IndexedDB: one database, one upgrade function. It holds sealed envelopes,
// sealed photos and addenda, encrypted drafts, values sealed to the vault (vault.js) and public data (the
// server's sealing keys, the vault's public key, the passkey's id). Never a key that opens a
// draft, never a photo or anything that names a child or says what the concern is, in clear.

export const DB_NAME = 'frontline';
export const DB_VERSION = 4;
export const STORES = ['outbox', 'sent', 'drafts', 'meta', 'photos', 'addenda'];

function each(store, visit) {
  const cursor = store.openCursor();
  cursor.onsuccess = () => {
    if (!cursor.result) return;
    visit(cursor.result);
    cursor.result.continue();
  };
}

// Version 1 kept the draft key in a 'keys' store, and the outbox's categories and level,
// the "already known" contacts, the profile and the delivered list in clear. A thief with
// the phone could read them all: drop them. Drafts sealed under a PRF-derived key stay (the
// passkey derives that key again); drafts under a random stored key cannot be opened without
// it and go, and the person is told once.
function forgetClearData(db, tx) {
  db.deleteObjectStore('keys');
  const meta = tx.objectStore('meta');
  each(tx.objectStore('drafts'), (cursor) => {
    if (String(cursor.value.key).startsWith('prf-')) return;
    cursor.delete();
    meta.put(true, 'drafts_dropped');
  });
  each(tx.objectStore('outbox'), (cursor) => {
    const { summary, ...item } = cursor.value;
    cursor.update({ ...item, recorded_at: (summary && summary.recorded_at) || null, details: null });
  });
  each(tx.objectStore('sent'), (cursor) => {
    const { summary, known, ...record } = cursor.value;
    cursor.update({ ...record, recorded_at: (summary && summary.recorded_at) || null, details: null, known: null });
  });
  meta.delete('me');
  meta.delete('mine');
}

function upgrade(db, oldVersion, tx) {
  if (oldVersion < 1) {
    db.createObjectStore('outbox', { keyPath: 'client_id' });
    db.createObjectStore('sent', { keyPath: 'client_id' });
    db.createObjectStore('drafts', { keyPath: 'id' });
    db.createObjectStore('meta');
  }
  if (oldVersion === 1) forgetClearData(db, tx);
  // Version 3: photos waiting to be uploaded, each sealed to the server (photo-outbox.js).
  if (oldVersion < 3) db.createObjectStore('photos', { keyPath: 'client_id' });
  // Version 4: addenda waiting to be sent, each sealed to the server (addenda-outbox.js).
  if (oldVersion < 4) db.createObjectStore('addenda', { keyPath: 'client_id' });
}

let opening = null;

export function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion, request.transaction);
      request.onsuccess = () => {
        const db = request.result;
        // Another tab or the wipe deletes the database: let go so it can.
        db.onversionchange = () => {
          db.close();
          opening = null;
        };
        resolve(db);
      };
      request.onerror = () => {
        opening = null;
        reject(request.error);
      };
    });
  }
  return opening;
}

// Whether the database is there, without making it (a wiped phone stays empty).
export async function exists() {
  return (await indexedDB.databases()).some((d) => d.name === DB_NAME);
}

export function forget() {
  opening = null;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function store(name, mode) {
  return (await open()).transaction(name, mode).objectStore(name);
}

export async function get(name, key) {
  return done((await store(name, 'readonly')).get(key));
}

export async function all(name) {
  return done((await store(name, 'readonly')).getAll());
}

export async function put(name, value, key) {
  const s = await store(name, 'readwrite');
  return done(key === undefined ? s.put(value) : s.put(value, key));
}

export async function remove(name, key) {
  return done((await store(name, 'readwrite')).delete(key));
}
