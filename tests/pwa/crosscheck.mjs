// Reads JSON requests on stdin, answers with what the phone's modules make of them, so the
// Python tests can hold the server's crypto and language counts to the same results.
import { readFileSync } from 'node:fs';

import { utf8 } from '../../pwa/bytes.js';
import { canonicalJSON, proofChallenge } from '../../pwa/canonical.js';
import { buildConcern } from '../../pwa/concern.js';
import { seal } from '../../pwa/envelope.js';
import { compile, counts } from '../../pwa/lint.js';
import { MISSING_FROM_CARE } from '../js/fixtures.mjs';

const request = JSON.parse(readFileSync(0, 'utf8'));
const terms = compile(JSON.parse(readFileSync(new URL('../../pwa/language.json', import.meta.url))));
const out = {
  canonical: request.documents.map(canonicalJSON),
  challenges: await Promise.all(request.documents.map(async (d) => Buffer.from(await proofChallenge(d)).toString('hex'))),
  sealed: await seal(utf8(request.plaintext), request.jwk, request.kid),
  counts: request.texts.map((t) => counts(t, terms)),
  built: buildConcern(MISSING_FROM_CARE, { clientId: request.client_id }),
};
process.stdout.write(JSON.stringify(out));
