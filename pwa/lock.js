// The lock: what a locked phone shows, and when an unlocked one locks itself. Locked, the
// page holds no key and renders nothing the phone keeps about children or concerns; only
// how many sealed concerns wait, which says nothing of whom or what they are about.

import * as db from './db.js';
import { $ } from './dom.js';
import { assertLocally } from './passkey.js';
import * as vault from './vault.js';

export const IDLE_MS = 5 * 60_000; // no touch or key for this long: lock
export const AWAY_MS = 60_000; // the app out of sight for this long: lock on return

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

// The words of the lock screen. `returning`: this phone holds something of the person's
// (a passkey id, sealed concerns); `offlineUnlock`: its passkey can open the drafts here;
// `prf`: false once a sign-in or unlock found the passkey gives no PRF output (then no
// drafts are kept, and nothing opens without signal). An empty `button`: none is offered,
// for without signal and without PRF there is nothing a tap could do.
export function lockScreen({ returning, waiting, online, offlineUnlock, prf = true }) {
  if (!returning) {
    return online
      ? { title: 'Sign in', intro: true, waiting: '', button: 'Sign in with your passkey', hint: '' }
      : { title: 'Sign in', intro: true, waiting: '', button: '', hint: 'No signal. Sign in when you have signal.' };
  }
  const sealed = waiting ? `${plural(waiting, 'concern')} sealed on this phone, waiting to be sent.` : '';
  let hint = prf ? 'Use your fingerprint, face or screen lock. Your drafts open where you left them.'
    : 'Use your fingerprint, face or screen lock.';
  let button = 'Unlock with your passkey';
  if (!online && offlineUnlock && prf) {
    hint = 'No signal: your fingerprint, face or screen lock still opens your drafts. Sealed concerns are sent once you sign in with signal.';
  } else if (!online) {
    hint = waiting ? 'Sign in when you have signal. Your sealed concerns are safe and will be sent then.'
      : 'No signal. Sign in when you have signal.';
    button = '';
  }
  return { title: 'Frontline is locked', intro: false, waiting: sealed, button, hint };
}

// Paint the lock screen from what the phone may say while locked: counts, nothing more.
export async function paintLock() {
  const here = await db.exists();
  const waiting = here ? (await db.all('outbox')).length : 0;
  const vaultHere = here && Boolean(await vault.stored());
  const returning = Boolean(waiting || vaultHere || (here && (await db.get('meta', 'credential_id'))));
  const prf = !here || (await db.get('meta', 'prf')) !== false;
  const words = lockScreen({ returning, waiting, online: navigator.onLine, offlineUnlock: vaultHere, prf });
  $('lock-title').textContent = words.title;
  $('lock-intro').hidden = !words.intro;
  $('lock-waiting').textContent = words.waiting;
  $('lock-waiting').hidden = !words.waiting;
  $('signin').textContent = words.button;
  $('signin').hidden = !words.button;
  $('lock-hint').textContent = words.hint;
  $('lock-hint').hidden = !words.hint;
}

// Remember whether the passkey gave a PRF output, as learnt at each unlock: the lock screen
// then promises an offline unlock only where one can work.
export const rememberPrf = (given) => db.put('meta', Boolean(given), 'prf');

// Open this phone's vault without signal (a user-verified assertion with PRF) and return
// the profile sealed in it. Throws where it cannot: no vault, another passkey, no PRF.
export async function openOffline() {
  const record = await vault.stored();
  if (!record) throw new Error('No signal. Sign in with your passkey when there is signal.');
  const passkey = await assertLocally(record.credential_id);
  if (!passkey.prf) {
    await rememberPrf(false);
    await paintLock();
    throw new Error('This passkey cannot open the app without signal. Sign in when you have signal. Your sealed concerns are safe and will be sent then.');
  }
  await vault.unlock(passkey.prf, passkey.id);
  const profile = await vault.open(await db.get('meta', 'profile'), 'profile');
  if (!profile) {
    vault.lock();
    throw new Error('Sign in once with signal to open this phone.');
  }
  return profile;
}

// Once: say so if the upgrade to keyless storage had to drop a draft it could not protect.
export async function droppedDrafts() {
  if (!(await db.get('meta', 'drafts_dropped'))) return '';
  await db.remove('meta', 'drafts_dropped');
  return 'An unfinished draft kept by an older version of the app could not be protected by your passkey and was removed. Sealed concerns are safe.';
}

// Call `onIdle` after IDLE_MS without input, or when the app comes back after AWAY_MS out
// of sight (a phone put in a pocket unlocked). Timers sleep in the background, so the
// away time is measured, not waited for.
export function watchIdle(onIdle) {
  let last = Date.now();
  let hiddenAt = null;
  const touch = () => { last = Date.now(); };
  for (const type of ['pointerdown', 'keydown', 'input', 'wheel', 'touchstart']) {
    window.addEventListener(type, touch, { capture: true, passive: true });
  }
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) {
      hiddenAt = Date.now();
      return;
    }
    const away = hiddenAt !== null && Date.now() - hiddenAt > AWAY_MS;
    hiddenAt = null;
    if (away) onIdle();
  });
  setInterval(() => { if (Date.now() - last > IDLE_MS) onIdle(); }, 10_000);
}
