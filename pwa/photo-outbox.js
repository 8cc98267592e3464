// Sealed photos waiting to reach the server (POST /api/v1/attachments), one request each
// (each-outbox.js). A refusal of the photo itself (too large, not an image, not the image its
// record names) is final for it.

import { flushEach } from './each-outbox.js';
import { newItem } from './outbox.js';

// Answers that refuse the photo itself: sending it again would be refused again.
const FINAL = new Set([409, 413, 415, 422]);

export const newPhoto = ({ clientId, jwe, now }) => ({ ...newItem({ clientId, jwe, recordedAt: null, now }), kind: 'photo' });

export const flushPhotos = (args) => flushEach({ ...args, final: FINAL });
