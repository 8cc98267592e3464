// The home's profiles of its children: the list (review dates, overdue ones first and
// flagged) and the form that makes or updates one. Every keystroke lands in an encrypted
// draft, as a concern's does; a photo is re-encoded, sealed and queued the moment it is
// taken (photos.js), and the draft keeps only its id, hash and time, never the image.
// "Seal and save" proves and seals a new version with the same profile_id.

import { ApiError, request } from './api.js';
import * as db from './db.js';
import { dateProblems, setupDateFields, showDateFields } from './date-fields.js';
import { ukDate, ukDateTime } from './dates.js';
import { $, h } from './dom.js';
import * as drafts from './drafts.js';
import * as missing from './missing-panel.js';
import { newItem } from './outbox.js';
import { newPhoto } from './photo-outbox.js';
import { buildProfile, problems, reviewFrom, stateOf } from './profile-doc.js';
import { previewOf, reencode, sealPhoto, sha256Hex } from './photos.js';
import { proveAndSeal, sealingKeys } from './seal.js';
import * as vault from './vault.js';

const DRAFT = 'profile';
const PURPOSE = 'check_own_record';
let form;
let current = { profile_id: null, photos: [], version: 0 };
const previews = new Map(); // attachment client_id -> object URL, in memory only
let hooks = { queued: () => null, notify: () => null };
let saveTimer = null;

function readState() {
  return Object.fromEntries([...form.elements].filter((el) => el.name).map((el) => [el.name, el.value]));
}

function writeState(state) {
  for (const el of form.elements) if (el.name && el.name in state) el.value = state[el.name];
  showDateFields(form);
}

export async function saveDraft() {
  if (!form || !current.profile_id || document.body.dataset.view !== 'profile') return;
  await drafts.save(DRAFT, { ...current, state: readState() });
}

function changed() {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => saveDraft().catch(() => null), 300);
}

function renderPhotos() {
  $('p-photos').replaceChildren(...current.photos.map((p, n) => {
    const url = previews.get(p.attachment);
    return h('li', { class: 'photo', 'data-attachment': p.attachment, 'data-before': p.before, 'data-after': p.after },
      url ? h('img', { src: url, alt: `Photo ${n + 1} of the child` }) : h('span', { class: 'muted' }, 'Photo (shown once sent)'),
      h('span', {}, `Taken ${ukDateTime(p.taken_at)}`),
      h('button', { type: 'button', class: 'small danger', onclick: () => { current.photos.splice(n, 1); renderPhotos(); changed(); } }, 'Remove'));
  }));
}

// A picture from the camera: re-encoded without metadata, sealed, queued; the file input
// is emptied at once so no File stays reachable from the page.
async function takePhoto(input) {
  const file = input.files && input.files[0];
  input.value = '';
  if (!file) return;
  const image = await reencode(file);
  const clientId = crypto.randomUUID();
  const sha256 = await sha256Hex(image.bytes);
  const jwe = await sealPhoto(image.bytes, image.type, await sealingKeys());
  await db.put('photos', newPhoto({ clientId, jwe, now: Date.now() }));
  previews.set(clientId, previewOf(image.bytes, image.type));
  current.photos.push({ attachment: clientId, sha256, taken_at: new Date().toISOString(), before: image.before, after: image.bytes.length });
  renderPhotos();
  await saveDraft();
  hooks.queued();
}

async function showStored(photos) {
  for (const { attachment_id: id, attachment } of photos) {
    const response = await fetch(`/api/v1/attachments/${id}`, { credentials: 'same-origin' }).catch(() => null);
    if (response && response.ok) {
      const type = response.headers.get('content-type') === 'image/png' ? 'image/png' : 'image/jpeg';
      previews.set(attachment, previewOf(new Uint8Array(await response.arrayBuffer()), type));
    }
  }
}

async function openExisting(profileId) {
  const read = await request('GET', `/profiles/${profileId}?purpose=${PURPOSE}`);
  current = { profile_id: profileId, version: read.version, photos: read.profile.photos || [] };
  writeState(stateOf(read.profile));
  await showStored(read.photos).catch(() => null);
  await missing.show(read);
}

export async function open(which) {
  form.reset();
  $('profile-errors').replaceChildren();
  $('profile-draft-note').hidden = drafts.kept();
  previews.clear();
  missing.hide();
  const draft = await drafts.load(DRAFT).catch(() => null);
  const wanted = which === 'new' ? null : which;
  if (draft && (wanted ? draft.profile_id === wanted : !draft.version)) {
    current = { profile_id: draft.profile_id, version: draft.version, photos: draft.photos };
    writeState(draft.state);
  } else if (wanted) {
    await openExisting(wanted);
  } else {
    current = { profile_id: crypto.randomUUID(), version: 0, photos: [] };
    writeState({ review_due: reviewFrom() });
  }
  $('profile-title').textContent = current.version ? 'Update profile' : 'New profile';
  renderPhotos();
}

async function submit(event) {
  event.preventDefault();
  const state = readState();
  const found = [...problems(state), ...dateProblems(form)];
  $('profile-errors').replaceChildren(...found.map((p) => h('li', {}, p.message)));
  if (found.length) return;
  const clientId = crypto.randomUUID();
  const document = buildProfile(state, { clientId, profileId: current.profile_id, recordedAt: new Date().toISOString(), photos: current.photos });
  const jwe = await proveAndSeal(document);
  clearTimeout(saveTimer); // a draft saved after this would come back as unsent
  const name = [state.given_name, state.family_name].filter(Boolean).join(' ') || state.known_as;
  const details = await vault.seal({ kind: 'profile', name }, `details:${clientId}`);
  await db.put('outbox', newItem({ clientId, jwe, recordedAt: document.recorded_at, details, now: Date.now() }));
  await drafts.discard(DRAFT);
  current = { profile_id: null, photos: [], version: 0 };
  hooks.notify(navigator.onLine ? 'Sealed. Sending the profile…' : 'Sealed. The profile will be sent when there is signal.');
  hooks.queued();
  location.hash = '#/profiles';
}

export async function showList() {
  let items = [];
  try {
    items = (await request('GET', '/profiles')).items;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    $('profile-list').replaceChildren(h('li', { class: 'muted' }, 'No signal: the list shows once the phone is online.'));
    return;
  }
  $('profile-list').replaceChildren(...(items.length ? items.map((p) => h('li', { class: p.review_overdue ? 'card overdue' : 'card' },
    h('a', { href: `#/profile/${p.profile_id}` }, h('strong', {}, p.name || 'Name not given')),
    h('span', { class: p.review_overdue ? 'status error' : 'status' },
      p.review_overdue ? `Review overdue since ${ukDate(p.review_due)}` : `Review by ${ukDate(p.review_due)}`),
    h('span', {}, `Last updated ${ukDateTime(p.recorded_at)}`))) : [h('li', { class: 'muted' }, 'No profiles yet.')]));
}

export function setup({ queued, notify, home }) {
  hooks = { queued, notify };
  missing.setup({ queued, notify, home });
  form = $('profile-form');
  setupDateFields(form);
  form.addEventListener('input', changed);
  form.addEventListener('submit', (event) => submit(event).catch((error) => notify(error)));
  $('p-camera').addEventListener('change', (event) => takePhoto(event.target).catch((error) => notify(error)));
  document.addEventListener('visibilitychange', () => { if (document.hidden) saveDraft(); });
}
