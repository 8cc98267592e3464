import assert from 'node:assert/strict';
import { test } from 'node:test';

import { draftKeyFrom, newVault, openVault, openWith, sealTo } from '../../pwa/localseal.js';
import { lockScreen } from '../../pwa/lock.js';

const prf = (n) => new Uint8Array(32).fill(n);

test('the draft key comes from the PRF output alone and cannot be exported', async () => {
  const key = await draftKeyFrom(prf(1));
  assert.equal(key.extractable, false);
  await assert.rejects(crypto.subtle.exportKey('raw', key));
  // The same passkey gives the same key: what one unlock sealed, the next opens.
  const iv = new Uint8Array(12);
  const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new Uint8Array([7]));
  const again = await draftKeyFrom(prf(1));
  assert.deepEqual(new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, again, data)), new Uint8Array([7]));
  await assert.rejects(crypto.subtle.decrypt({ name: 'AES-GCM', iv }, await draftKeyFrom(prf(2)), data));
});

test('a value sealed to the vault opens only with its passkey, in its own place', async () => {
  const { record, privateKey } = await newVault(await draftKeyFrom(prf(1)));
  assert.equal(privateKey.extractable, false);
  assert.deepEqual(Object.keys(record.public).sort(), ['crv', 'kty', 'x', 'y']); // no private member
  const sealed = await sealTo(record.public, { categories: ['missing'], level: 'child_in_need' }, 'details:c1');
  assert.equal(JSON.stringify(sealed).includes('missing'), false);
  assert.deepEqual(await openWith(privateKey, sealed, 'details:c1'), { categories: ['missing'], level: 'child_in_need' });
  // Moved to another record's place, it does not open.
  await assert.rejects(openWith(privateKey, sealed, 'details:c2'));
  // The vault's private key is unwrapped only by the draft key of the passkey that made it.
  const reopened = await openVault(record, await draftKeyFrom(prf(1)));
  assert.deepEqual(await openWith(reopened, sealed, 'details:c1'), { categories: ['missing'], level: 'child_in_need' });
  await assert.rejects(openVault(record, await draftKeyFrom(prf(2))));
});

test('the lock screen says how many concerns wait and nothing about them', () => {
  const fresh = lockScreen({ returning: false, waiting: 0, online: true, offlineUnlock: false });
  assert.equal(fresh.title, 'Sign in');
  assert.equal(fresh.button, 'Sign in with your passkey');
  const locked = lockScreen({ returning: true, waiting: 2, online: false, offlineUnlock: true });
  assert.equal(locked.title, 'Frontline is locked');
  assert.equal(locked.button, 'Unlock with your passkey');
  assert.equal(locked.waiting, '2 concerns sealed on this phone, waiting to be sent.');
  assert.match(locked.hint, /^No signal: .*opens your drafts/);
  assert.equal(lockScreen({ returning: true, waiting: 1, online: true, offlineUnlock: true }).waiting,
    '1 concern sealed on this phone, waiting to be sent.');
  const away = lockScreen({ returning: true, waiting: 0, online: false, offlineUnlock: false });
  assert.equal(away.hint, 'No signal. Sign in when you have signal.');
  assert.equal(away.button, '');
  assert.equal(lockScreen({ returning: false, waiting: 0, online: false, offlineUnlock: false }).button, '');
});

test('a passkey without PRF is promised no offline unlock and offered no button that cannot work', () => {
  // A vault made while the passkey gave PRF, and a later sign-in where it gave none.
  const offline = lockScreen({ returning: true, waiting: 1, online: false, offlineUnlock: true, prf: false });
  assert.equal(offline.hint, 'Sign in when you have signal. Your sealed concerns are safe and will be sent then.');
  assert.equal(offline.button, '');
  const online = lockScreen({ returning: true, waiting: 1, online: true, offlineUnlock: true, prf: false });
  assert.equal(online.button, 'Unlock with your passkey');
  assert.doesNotMatch(online.hint, /drafts/);
});
