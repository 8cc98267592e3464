// Opening an invitation or recovery link. The server is asked at once whether the link can
// be used now (enrol/begin answers with the passkey options, or says why not), so the
// person reads where they stand before being asked to make a passkey; the options are kept
// for the tap on "Create passkey" while the server's challenge is fresh.

import { ApiError, request } from './api.js';
import { $ } from './dom.js';

const FRESH_MS = 4 * 60_000; // the server's ceremony lives 5 minutes
let fetched = null; // { token, at, options: Promise } from opening the link
const SETTLED = new Set(['invite.awaiting_approval', 'invite.used', 'invite.withdrawn', 'invite.expired', 'invite.unknown']);

// The token of an invitation link, and whether it is a recovery (its link says so; the
// server alone decides what the token does, so this only chooses the greeting).
export function inviteLink() {
  const match = /(?:^|[#&])invite=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (!match) return null;
  return { token: match[1], recovery: /(?:^|[#&])recovery(?:$|&)/.test(location.hash) };
}

function begin(token) {
  const options = request('POST', '/auth/enrol/begin', { invite: token });
  fetched = { token, at: Date.now(), options };
  options.catch(() => {
    if (fetched && fetched.options === options) fetched = null;
  });
  return options;
}

// The options for making the passkey: those fetched on opening, once, if still fresh.
export function optionsFor(token) {
  if (fetched && fetched.token === token && Date.now() - fetched.at < FRESH_MS) {
    const { options } = fetched;
    fetched = null;
    return options;
  }
  return begin(token);
}

function closed(words) {
  $('enrol-intro').textContent = words;
  for (const id of ['passkey-name-label', 'passkey-name', 'enrol']) $(id).hidden = true;
}

// Greet the person by name and say what this link is for; where it cannot be used now,
// say why and offer no button that could only fail.
export async function paintEnrol({ token, recovery }, explain) {
  $('enrol-title').textContent = recovery ? 'A new passkey' : 'Welcome';
  $('enrol-intro').textContent = recovery
    ? 'Your old passkey was revoked. Create a new one on this phone: you sign in with your fingerprint, face or screen lock, as before.'
    : 'You were invited to Frontline. Create a passkey on this phone: you will sign in with your fingerprint, face or screen lock. There is no password.';
  let options;
  try {
    options = await begin(token);
  } catch (error) {
    // No signal, too many tries, a fault: the button tries again. A link that cannot work
    // now (waiting, used, withdrawn, expired, unknown) says so and offers nothing to tap.
    if (!(error instanceof ApiError) || !SETTLED.has(error.code)) return;
    closed(error.code === 'invite.awaiting_approval'
      ? 'Your invitation is waiting for a second admin to approve it. Try this link again later.'
      : explain(error));
    return;
  }
  const name = options.user && options.user.name;
  if (!name) return;
  $('enrol-title').textContent = recovery ? `A new passkey for ${name}` : `Welcome, ${name}`;
}
