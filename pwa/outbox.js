// The sealed outbox: envelopes waiting to reach the server, and what happens to each answer.
// An item leaves only when the server answered "accepted" or "duplicate". Two "rejected"
// answers mean the server keeps the envelope and wants it again later (`KEPT`): the item
// waits, and the very same envelope (same client_id, same bytes) goes again with backoff,
// for sealing it anew would make a second concern. Any other "rejected" item stays with the
// server's reason until the recorder fixes and resubmits it: that rejection is final for the
// envelope (its client_id is spent) and fixing makes a new concern. A request that fails as a
// whole (no signal, no answer in time, a server error, 429) puts its items back with a
// growing wait, never shorter than the server's Retry-After. Runs in the page and in the
// service worker (Background Sync), so it touches neither the DOM nor window.

export const BATCH = 50; // docs/contract.md: more than 50 envelopes in one request is refused
const BASE_MS = 5_000;
const MAX_MS = 15 * 60_000;
// A Retry-After longer than this (a proxy's mistake) must not silence a concern for a day.
const MAX_RETRY_AFTER_MS = 60 * 60_000;

export const State = Object.freeze({ WAITING: 'waiting', REJECTED: 'rejected' });
// What a waiting item waits for: signal (no answer came), or the server (it answered "not yet").
export const Wait = Object.freeze({ SIGNAL: 'signal', SERVER: 'server' });

// "Rejected" answers that are no refusal (backend/pipeline/ingest.py): the receipt is kept
// and a step is still running (`in_progress`), or a failure of the server's own is being
// retried there (`quarantined`). Sending the same envelope later answers as it ended.
export const KEPT = new Set(['envelope.in_progress', 'envelope.quarantined']);
// Whole-request answers that mean "too much at once, come back later".
const BUSY = new Set([429, 503]);

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

// Even "Sync now" does not send before the server's Retry-After has passed.
function mayForce(item, now) {
  return item.state === State.WAITING && !(item.not_before > now);
}

// An item an earlier version of the phone marked rejected on a KEPT answer waits again.
export function revive(item) {
  if (item.state !== State.REJECTED || !item.error || !KEPT.has(item.error.code)) return item;
  return { ...item, state: State.WAITING, error: null, next_at: 0, waiting_for: Wait.SERVER, last_failure: item.error.code };
}

// What to do with an item given the server's per-envelope result.
export function afterResult(item, result, now = Date.now(), random = Math.random) {
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
  if (result.status === 'rejected' && result.error && KEPT.has(result.error.code)) {
    return { remove: false, held: true, item: afterFailure(item, result.error.code, now, random, { answered: true }) };
  }
  if (result.status === 'rejected') {
    return { remove: false, item: { ...item, state: State.REJECTED, error: result.error || null } };
  }
  throw new Error(`unknown sync status: ${result.status}`);
}

// Put an item back to wait: its request failed as a whole (offline, no answer in time, 5xx,
// 429) or the server keeps it. `answered`: the server answered (it is the server we wait
// for); `retryAfter`: its Retry-After in ms, counted from `at`, when the answer came: the
// least wait, which even "Sync now" keeps.
export function afterFailure(item, reason, now, random = Math.random, { answered = false, retryAfter = null, at = now } = {}) {
  const attempts = item.attempts + 1;
  const notBefore = retryAfter === null ? 0 : Math.max(now, at) + Math.min(Math.max(0, retryAfter), MAX_RETRY_AFTER_MS);
  return {
    ...item,
    state: State.WAITING,
    error: null,
    attempts,
    next_at: Math.max(now + backoff(attempts, random), notBefore),
    not_before: notBefore,
    last_failure: reason,
    waiting_for: answered ? Wait.SERVER : Wait.SIGNAL,
  };
}

// Send every due item in batches. `store` holds items ({all, put, remove, putSent}; putSent
// seals `known` before keeping it); `send(envelopes)` posts one batch and returns the results
// or throws (an error with `status` when the server answered, `retryAfter` in ms when it
// said when to come back). Returns a summary; `held` counts the items the server keeps and
// wants again; `stop` names why sending stopped early (signed out, device revoked); `known`
// lists the "already known" answers, for a page to show at once.
// `clock` measures how long a request took, so a Retry-After counts from its answer.
export async function flush({ store, send, now = Date.now(), force = false, random = Math.random, clock = Date.now }) {
  const started = clock();
  const summary = { sent: 0, held: 0, rejected: 0, failed: 0, stop: null, known: [] };
  const items = (await store.all()).map(revive);
  const due = items.filter((i) => (force ? mayForce(i, now) : isDue(i, now)));
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
      const how = {
        answered: Boolean(error && error.status),
        retryAfter: (error && error.retryAfter) ?? null,
        at: now + (clock() - started),
      };
      // A server that asked for time (429, 503) gets it: the later batches wait with this one.
      const busy = how.retryAfter !== null || BUSY.has(error && error.status);
      const back = busy ? due.slice(at) : batch;
      for (const item of back) await store.put(afterFailure(item, reason, now, random, how));
      summary.failed += back.length;
      if (busy) break;
      continue;
    }
    const byId = new Map(results.map((r) => [r.client_id, r]));
    for (const item of batch) {
      const result = byId.get(item.client_id);
      if (!result) {
        await store.put(afterFailure(item, 'no result', now, random, { answered: true }));
        summary.failed += 1;
        continue;
      }
      const next = afterResult(item, result, now, random);
      if (next.remove) {
        await store.putSent({ ...next.sent, sent_at: now });
        await store.remove(item.client_id);
        summary.sent += 1;
        if (next.sent.known) summary.known.push({ client_id: item.client_id, known: next.sent.known });
      } else {
        await store.put(next.item);
        if (next.held) summary.held += 1;
        else summary.rejected += 1;
      }
    }
  }
  return summary;
}
