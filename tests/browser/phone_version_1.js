// A phone as version 1 of the app left it: the draft key stored beside the drafts, and the
// outbox, sent list, profile and delivered list in clear.
// Evaluated in the page by tests/browser/test_pwa_lock.py.
async ([credentialId, name]) => {
  const { draftKeyFrom } = await import('/localseal.js');
  const { b64urlToBytes, utf8 } = await import('/bytes.js');
  const assertion = await navigator.credentials.get({ publicKey: {
    challenge: new Uint8Array(32), rpId: location.hostname, userVerification: 'required',
    allowCredentials: [{ type: 'public-key', id: b64urlToBytes(credentialId) }],
    extensions: { prf: { eval: { first: utf8('frontline drafts v1') } } } } });
  const key = await draftKeyFrom(new Uint8Array(assertion.getClientExtensionResults().prf.results.first));
  const random = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const seal = async (k, id, value) => {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8(id) }, k, utf8(JSON.stringify(value)));
    return { iv, data };
  };
  // The service worker may be syncing and open version 2 again between the deletion and
  // the opening: delete and try again until version 1 is what opens.
  const openVersion1 = () => new Promise((resolve, reject) => {
    const q = indexedDB.open('frontline', 1);
    q.onupgradeneeded = () => {
      const d = q.result;
      d.createObjectStore('outbox', { keyPath: 'client_id' });
      d.createObjectStore('sent', { keyPath: 'client_id' });
      d.createObjectStore('drafts', { keyPath: 'id' });
      d.createObjectStore('keys');
      d.createObjectStore('meta');
    };
    q.onsuccess = () => resolve(q.result);
    q.onerror = () => reject(q.error);
  });
  let db = null;
  for (let attempt = 0; !db; attempt += 1) {
    await new Promise((resolve) => { const q = indexedDB.deleteDatabase('frontline'); q.onsuccess = q.onerror = resolve; });
    try {
      db = await openVersion1();
    } catch (error) {
      if (error.name !== 'VersionError' || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const prfId = `prf-${credentialId}`;
  const current = { client_id: crypto.randomUUID(), state: { 'subject.known_as': name }, replaces: null };
  const drafts = [
    { id: 'current', key: prfId, ...(await seal(key, 'current', current)), updated_at: 1 },
    { id: 'older', key: 'random-1', ...(await seal(random, 'older', { state: {} })), updated_at: 1 },
  ];
  const summary = { recorded_at: '2026-11-26T02:10:00+00:00', categories: ['sexual_exploitation'], level: 'significant_harm' };
  const tx = db.transaction(['outbox', 'sent', 'drafts', 'keys', 'meta'], 'readwrite');
  tx.objectStore('keys').put(key, prfId);
  tx.objectStore('keys').put(random, 'random-1');
  tx.objectStore('keys').put(prfId, 'current');
  for (const d of drafts) tx.objectStore('drafts').put(d);
  tx.objectStore('outbox').put({ client_id: 'c-waiting', jwe: 'a.b.c.d.e', state: 'waiting', attempts: 0, next_at: 0, created_at: 1, summary, error: null });
  tx.objectStore('sent').put({ client_id: 'c-sent', concern_id: 'k', status: 'accepted', known: { contact: [{ inbox: 'MASH', agency: 'Riverside Children' }] }, summary, sent_at: 2 });
  tx.objectStore('meta').put({ user: { name: 'Jordan Ellis' } }, 'me');
  tx.objectStore('meta').put([{ client_id: 'c-sent', deliveries: [{ inbox: 'MASH' }] }], 'mine');
  tx.objectStore('meta').put(credentialId, 'credential_id');
  await new Promise((resolve) => { tx.oncomplete = resolve; });
  const stores = [...db.objectStoreNames];
  db.close();
  return stores;
}
