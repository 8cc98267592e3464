// A child's profile as the police read it beside a missing report: the photos first, then
// what helps find the child. Opened only while the child is missing (the server answers
// 404 otherwise, and then nothing is shown); the read is audited with the reader's purpose.

import { request } from './api.js';
import { ukDate, ukDateTime } from './dates.js';
import { h } from './dom.js';
import { previewOf } from './photos.js';

const fact = (label, value) => (value ? h('p', {}, h('strong', {}, `${label}: `), String(value)) : null);

async function photo(id, n) {
  const response = await fetch(`/api/v1/attachments/${id}`, { credentials: 'same-origin' });
  if (!response.ok) return null;
  const type = response.headers.get('content-type') === 'image/png' ? 'image/png' : 'image/jpeg';
  return h('img', { src: previewOf(new Uint8Array(await response.arrayBuffer()), type), alt: `Photo ${n + 1} of the child` });
}

// The section, or null when the child has no profile this person may open now.
export async function profileSection(subjectId, purposeQuery) {
  let read;
  try {
    read = await request('GET', `/subjects/${subjectId}/profile?${purposeQuery}`);
  } catch {
    return null;
  }
  const p = read.profile;
  const d = p.description || {};
  const health = p.health || {};
  const images = (await Promise.all(read.photos.map((x, n) => photo(x.attachment_id, n).catch(() => null)))).filter(Boolean);
  return h('section', { class: 'profile-attached', id: 'attached-profile' },
    h('h3', {}, "The child's profile"),
    h('p', { class: 'hint' }, `Kept by the child's home; updated ${ukDateTime(read.recorded_at)}. You can open it while the child is missing.`),
    images.length ? h('div', { class: 'photos' }, images) : null,
    fact('Height', d.height_cm ? `${d.height_cm} cm` : ''), fact('Build', d.build), fact('Hair', d.hair),
    fact('Eyes', d.eyes), fact('Skin', d.skin), fact('Distinguishing features', d.distinguishing_features),
    fact('Usually wears', d.usual_clothing), fact('Languages', d.languages),
    fact('Health needs', health.needs), fact('Medication', health.medication), fact('Allergies', health.allergies),
    fact('People', (p.associates || []).map((a) => a.name || a.nickname || a.registration || a.number).filter(Boolean).join(', ')),
    fact('Places', (p.places || []).map((x) => x.name || x.description || x.postcode).filter(Boolean).join('; ')),
    fact('Phones', (p.phones || []).join(', ')),
    fact('Accounts', (p.accounts || []).map((a) => `${a.platform}: ${a.handle}`).join(', ')),
    fact('Review due', ukDate(read.review_due)));
}
