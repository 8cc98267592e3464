// The service worker from the page's side: registered, a new version offered (the page owns
// the "update ready" prompt) and taken after `beforeReload`, and the worker's messages
// (same origin only) handed to `onMessage`.

import { $ } from './dom.js';

export function registerServiceWorker({ beforeReload, onMessage }) {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js', { type: 'module' }).then((registration) => {
    const offer = (worker) => {
      $('update').hidden = false;
      $('update-now').onclick = () => worker.postMessage({ type: 'activate-update' });
    };
    if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
    registration.addEventListener('updatefound', () => {
      const worker = registration.installing;
      worker.addEventListener('statechange', () => {
        if (worker.state === 'installed' && navigator.serviceWorker.controller) offer(worker);
      });
    });
  }).catch(() => null);
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading || $('update').hidden) return;
    reloading = true;
    beforeReload().finally(() => location.reload());
  });
  navigator.serviceWorker.addEventListener('message', (event) => {
    if (event.origin !== location.origin || !event.data) return;
    onMessage(event.data);
  });
}
