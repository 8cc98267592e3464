// The app shell cache: versioned, filled in full before the worker installs (awaited), old
// versions removed on activate. Only same-origin GETs of shell files are served from it;
// the API is never cached (its answers carry personal data and must be fresh).

import { SHELL, VERSION } from './shell.js';

export const CACHE = `shell-${VERSION}`;

export async function install() {
  const cache = await caches.open(CACHE);
  await cache.addAll(SHELL.map((path) => new Request(path, { cache: 'reload' })));
}

export async function activate() {
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith('shell-') && n !== CACHE).map((n) => caches.delete(n)));
}

export function handles(request) {
  if (request.method !== 'GET') return false;
  const url = new URL(request.url);
  return url.origin === self.location.origin && !url.pathname.startsWith('/api/');
}

export async function respond(request) {
  const cache = await caches.open(CACHE);
  if (request.mode === 'navigate') {
    // Every page of the app is the one shell; the fragment picks the view.
    return (await cache.match('/')) || fetch(request);
  }
  return (await cache.match(request)) || fetch(request);
}
