// Photos taken in the app: from the camera (an <input type=file accept="image/*" capture>,
// whose picture goes to the page, never to the gallery), drawn onto a canvas no larger than
// 1,600 px on its longest side and encoded anew as JPEG. Drawing keeps the pixels only:
// EXIF, GPS and every other tag stay behind. The image is then sealed to the server (a JWE
// whose header says `cty`), so what waits on the phone is ciphertext; the record names it by
// its client_id and the SHA-256 of these very bytes, which the passkey's proof covers.

import { seal, sealingKey } from './envelope.js';

export const MAX_SIDE = 1600;
export const JPEG = 'image/jpeg';
// Lower quality only for a picture that would not fit: sealed, a photo must stay under 2 MiB.
const QUALITIES = [0.85, 0.7, 0.55];
const FITS = 1_400_000; // bytes of image: about 1.9 MB once sealed (base64url)

// The size to draw at: the longest side at most `max`, never enlarged.
export function fitWithin(width, height, max = MAX_SIDE) {
  const scale = Math.min(1, max / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

export async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// A picture (File or Blob) re-encoded without its metadata: { bytes, type, width, height,
// before } (`before`: the size of what the camera gave, for the figures).
export async function reencode(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  const size = fitWithin(bitmap.width, bitmap.height);
  const canvas = document.createElement('canvas');
  canvas.width = size.width;
  canvas.height = size.height;
  const context = canvas.getContext('2d');
  context.fillStyle = '#fff'; // JPEG has no transparency: white, not black, behind it
  context.fillRect(0, 0, size.width, size.height);
  context.drawImage(bitmap, 0, 0, size.width, size.height);
  bitmap.close();
  let blob = null;
  for (const quality of QUALITIES) {
    blob = await new Promise((resolve, reject) => canvas.toBlob(
      (b) => (b ? resolve(b) : reject(new Error('This picture could not be read; take it again.'))), JPEG, quality));
    if (blob.size <= FITS) break;
  }
  canvas.width = canvas.height = 0; // let the pixels go now, not at the next collection
  return { bytes: new Uint8Array(await blob.arrayBuffer()), type: JPEG, ...size, before: file.size };
}

// Seal the image to the server's current key; the plaintext is the image itself.
export async function sealPhoto(bytes, type, jwks) {
  const key = sealingKey(jwks);
  return seal(bytes, key, key.kid, { cty: type });
}

// A thumbnail for the page only, held in memory while the form is open: a data: URL, which
// the app's Content-Security-Policy allows for images (blob: it does not).
export function previewOf(bytes, type) {
  let text = '';
  for (let at = 0; at < bytes.length; at += 0x8000) text += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return `data:${type};base64,${btoa(text)}`;
}
