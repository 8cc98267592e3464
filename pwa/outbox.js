// The sealed outbox: envelopes waiting to reach the server, and what happens to each answer.
// An item leaves only when the server answered "accepted" or "duplicate"; a "rejected" item
// stays with the server's reason until the recorder fixes and resubmits it; anything else
// (no signal, a server error) puts it back with a growing wait. A rejection is final for
// that envelope (its client_id is spent); fixing makes a new concern. Runs in the page and in the
// service worker (Background Sync), so it touches neither the DOM nor window.

export const BATCH = 50; // docs/contract.md: more than 50 envelopes in one request is refused
const BASE_MS = 5_000;
const MAX_MS = 15 * 60_000;

export const State = Object.freeze({ WAITING: 'waiting', REJECTED: 'rejected' });

// Exponential backoff with full jitter: 5 s, 10 s, 20 s ... capped at 15 min.
export function backoff(attempts, random = Math.random) {
  const ceiling = Math.min(MAX_MS, BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

// `recordedAt` is all an item says in clear; `details` (categories, level) come sealed to
// the phone's vault (vault.js), or null where the passkey offers no PRF.
export function newItem({ clientId, jwe, recordedAt, details = null, now }) {
  return {
    client_id: clientId,
    jwe,
    state: State.WAITING,
    attempts: 0,
    next_at: 0,
    created_at: now,
    recorded_at: recordedAt,
    details,
    error: null,
  };
}

export function isDue(item, now) {
  return item.state === State.WAITING && item.next_at <= now;
}

// What to do with an item given the server's per-envelope result.
export function afterResult(item, result) {
  if (result.status === 'accepted' || result.status === 'duplicate') {
    return {
      remove: true,
      sent: {
        client_id: item.client_id,
        concern_id: result.concern_id,
        status: result.status,
        known: result.known || null,
        recorded_at: item.recorded_at,
        details: item.details,
        sent_at: null,
      },
    };
  }
  if (result.status === 'rejected') {
    return { remove: false, item: { ...item, state: State.REJECTED, error: result.error || null } };
  }
  throw new Error(`unknown sync status: ${result.status}`);
}

// What to do with an item when its request failed as a whole (offline, 5xx, 429).
export function afterFailure(item, reason, now, random = Math.random) {
  const attempts = item.attempts + 1;
  return { ...item, attempts, next_at: now + backoff(attempts, random), last_failure: reason };
}

// Send every due item in batches. `store` holds items ({all, put, remove, putSent}; putSent
// seals `known` before keeping it); `send(envelopes)` posts one batch and returns the results
// or throws. Returns a summary; `stop` names why sending stopped early (signed out, device
// revoked); `known` lists the "already known" answers, for a page to show at once.
export async function flush({ store, send, now = Date.now(), force = false, random = Math.random }) {
  const summary = { sent: 0, rejected: 0, failed: 0, stop: null, known: [] };
  const due = (await store.all()).filter((i) => (force ? i.state === State.WAITING : isDue(i, now)));
  due.sort((a, b) => a.created_at - b.created_at);
  for (let at = 0; at < due.length; at += BATCH) {
    const batch = due.slice(at, at + BATCH);
    let results;
    try {
      results = await send(batch.map((i) => ({ client_id: i.client_id, jwe: i.jwe })));
    } catch (error) {
      if (error && error.status === 401) {
        summary.stop = error.code || 'auth.required';
        return summary;
      }
      const reason = (error && (error.code || error.message)) || 'network';
      for (const item of batch) await store.put(afterFailure(item, reason, now, random));
      summary.failed += batch.length;
      continue;
    }
    const byId = new Map(results.map((r) => [r.client_id, r]));
    for (const item of batch) {
      const result = byId.get(item.client_id);
      if (!result) {
        await store.put(afterFailure(item, 'no result', now, random));
        summary.failed += 1;
        continue;
      }
      const next = afterResult(item, result);
      if (next.remove) {
        await store.putSent({ ...next.sent, sent_at: now });
        await store.remove(item.client_id);
        summary.sent += 1;
        if (next.sent.known) summary.known.push({ client_id: item.client_id, known: next.sent.known });
      } else {
        await store.put(next.item);
        summary.rejected += 1;
      }
    }
  }
  return summary;
}
