// Sealed addenda waiting to reach the server (POST /api/v1/concerns/{id}/addenda), one
// request each (each-outbox.js): "found", recorded on a child's profile with or without
// signal. A refusal of the addendum itself (no such concern for this person, a client_id
// used for another, a field the server refuses) is final for it and shows on the profile.

import { flushEach } from './each-outbox.js';
import { newItem } from './outbox.js';

const FINAL = new Set([403, 404, 409, 413, 422]);

export const newAddendum = ({ clientId, concernId, jwe, now }) => ({
  ...newItem({ clientId, jwe, recordedAt: null, now }), kind: 'addendum', concern_id: concernId,
});

export const flushAddenda = (args) => flushEach({ ...args, final: FINAL });
