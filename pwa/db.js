// The phone's IndexedDB: one database, one upgrade function. It holds sealed envelopes,
// encrypted drafts, the non-extractable draft keys, and public data (the server's sealing
// keys, the signed-in profile). Never a concern in plain text.

export const DB_NAME = 'frontline';
export const DB_VERSION = 1;
export const STORES = ['outbox', 'sent', 'drafts', 'keys', 'meta'];

function upgrade(db, oldVersion) {
  if (oldVersion < 1) {
    db.createObjectStore('outbox', { keyPath: 'client_id' });
    db.createObjectStore('sent', { keyPath: 'client_id' });
    db.createObjectStore('drafts', { keyPath: 'id' });
    db.createObjectStore('keys');
    db.createObjectStore('meta');
  }
}

let opening = null;

export function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion);
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

// The outbox as the store outbox.flush() works on.
export const outboxStore = {
  all: () => all('outbox'),
  put: (item) => put('outbox', item),
  remove: (clientId) => remove('outbox', clientId),
  putSent: (record) => put('sent', record),
};
