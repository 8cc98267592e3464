// What the person is told: one line at the top of the screen (#notice), in words, never a
// code; an action that fails says why there rather than failing silently.

import { ApiError } from './api.js';
import { $ } from './dom.js';
import { IDLE_MS } from './lock.js';

export const MESSAGES = {
  'device.revoked': "This device's passkey was revoked. Its local data has been wiped.",
  'session.expired': 'Your session timed out. Sign in again.',
  'session.ended_elsewhere': 'This session was ended from another of your devices. Sign in again; anything not yet sent is kept.',
  'user.disabled': 'This account is disabled.',
  'invite.used': 'This invitation was used already. Sign in instead, or ask for a new one.',
  'invite.expired': 'This invitation has expired. Ask your admin for a new one.',
  'invite.withdrawn': 'This invitation was withdrawn.',
  'invite.unknown': 'This invitation link is not valid.',
  'forbidden.role': 'Your role does not allow this.',
  idle: `Locked after ${IDLE_MS / 60_000} minutes without use. Unlock with your passkey.`,
};
export const OPENED_OFFLINE = 'Opened without signal. You are not signed in: sealed concerns are sent once you sign in with signal.';
export const NO_PRF = 'Your passkey cannot protect drafts on this phone, so unfinished concerns are not kept: seal each one before you put the phone away.';

export function notify(text) {
  const message = typeof text === 'string' ? text : explain(text);
  $('notice').textContent = message || '';
  $('notice').hidden = !message;
}

export function explain(error) {
  if (error instanceof ApiError) return MESSAGES[error.code] || error.message;
  if (error && error.name === 'NotAllowedError') return 'The passkey request was cancelled.';
  if (error instanceof TypeError) return 'No connection. It will be done when the signal returns.';
  return (error && error.message) || 'Something went wrong. Try again.';
}

export const act = (fn) => async (...args) => {
  try {
    await fn(...args);
  } catch (error) {
    notify(explain(error));
  }
};
