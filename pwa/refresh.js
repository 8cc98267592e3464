// Screens that update themselves: what is on screen is read again when a push notice
// arrives (the service worker tells the page), when the person comes back to the app, and
// every little while as long as it is in view; never while it is hidden, and never twice
// at once. Tests shorten the interval with `globalThis.frontlineRefreshMs`, set before the
// app loads.

export const REFRESH_MS = Number(globalThis.frontlineRefreshMs) || 30_000;

// `refresh` repaints what is on screen; returns a function to refresh now (a push notice).
export function keepFresh(refresh, { every = REFRESH_MS } = {}) {
  let running = null;
  let again = false;
  const run = async () => {
    if (document.hidden) return;
    if (running) {
      again = true; // a notice while reading: read once more when this one ends
      return;
    }
    running = Promise.resolve().then(refresh).catch(() => null);
    await running;
    running = null;
    if (again) {
      again = false;
      await run();
    }
  };
  setInterval(run, every);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) run(); });
  return run;
}

// `views`: each view's name and how to read it again; `ready`: whether it can be read now
// (signed in, with signal). A view not named is left as it is.
export function keepViewsFresh(views, ready) {
  return keepFresh(async () => {
    const again = ready() && views[document.body.dataset.view];
    if (again) await again();
  });
}
