// Sealed items sent one request each: photos (POST /api/v1/attachments) and addenda
// (POST /api/v1/concerns/{id}/addenda). An item leaves the phone only when the server
// answered "accepted" or "duplicate": a lost signal, a timeout or a server error puts it back
// to wait with the outbox's backoff, and the very same sealed bytes go again (idempotent on
// client_id). A refusal of the item itself (`final`: the statuses whose answer would be the
// same again) is final for it and is kept with its code for the person to see. Runs in the
// page and in the service worker.

import { KEPT, State, afterFailure, isDue } from './outbox.js';

// `store`: {all, put, remove}; `send(item)` posts one item and resolves with the answer or
// throws (an error with `status` when the server answered).
export async function flushEach({ store, send, final, now = Date.now(), force = false, random = Math.random }) {
  const summary = { sent: 0, rejected: 0, failed: 0, stop: null };
  const items = (await store.all())
    .filter((i) => (force ? i.state === State.WAITING && !(i.not_before > now) : isDue(i, now)))
    .sort((a, b) => a.created_at - b.created_at);
  for (const item of items) {
    let answer;
    try {
      answer = await send(item);
    } catch (error) {
      const status = error && error.status;
      if (status === 401) {
        summary.stop = error.code || 'auth.required';
        return summary;
      }
      if (final.has(status)) {
        await store.put({ ...item, state: State.REJECTED, error: { code: error.code, detail: error.message } });
        summary.rejected += 1;
        continue;
      }
      const how = { answered: Boolean(status), retryAfter: (error && error.retryAfter) ?? null };
      await store.put(afterFailure(item, (error && (error.code || error.message)) || 'network', now, random, how));
      summary.failed += 1;
      continue;
    }
    if (answer && (answer.status === 'accepted' || answer.status === 'duplicate')) {
      await store.remove(item.client_id);
      summary.sent += 1;
    } else if (answer && answer.status === 'rejected' && answer.error && !KEPT.has(answer.error.code)) {
      // The record itself refused (an addendum's result): the same again would be refused.
      await store.put({ ...item, state: State.REJECTED, error: answer.error });
      summary.rejected += 1;
    } else {
      await store.put(afterFailure(item, 'no answer', now, random, { answered: true }));
      summary.failed += 1;
    }
  }
  return summary;
}
