// Worker thread of the signature pool (./signature-pool.ts): the one private-key operation of the signature
// profile (./signature-profile.ts: RSASSA-PSS, SHA-256, 32-byte salt) over bytes the main thread prepared. Plain
// JavaScript on purpose: the worker loads nothing but node:crypto (no TypeScript loader, a few MB each).
import { constants, sign } from 'node:crypto';

/** @param {{ data: Uint8Array, key: import('node:crypto').KeyObject }} task */
export default function signTask({ data, key }) {
  return sign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
}
