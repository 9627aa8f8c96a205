// Worker thread of the signature pool (./signature-pool.ts): the one private-key operation of the signature
// profile (./signature-profile.ts) over bytes the main thread prepared, in the profile its SignedInfo names:
// RSASSA-PSS (SHA-256, 32-byte salt) or ECDSA P-256 SHA-256 with an r‖s value. Plain JavaScript on purpose:
// the worker loads nothing but node:crypto (no TypeScript loader, a few MB each).
import { constants, sign } from 'node:crypto';

// NOTE: the same rules as signInProfile in ./signature-profile.ts; the signature-pool test signs both
// profiles through a worker and verifies the values on the main thread.
const PROFILES = {
  'rsa-pss-sha256': {
    fits: (key) => key.asymmetricKeyType === 'rsa',
    options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
  },
  'ecdsa-p256-sha256': {
    fits: (key) => key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1',
    options: { dsaEncoding: 'ieee-p1363' },
  },
};

/** @param {{ data: Uint8Array, key: import('node:crypto').KeyObject, profile: string }} task */
export default function signTask({ data, key, profile }) {
  const rule = Object.hasOwn(PROFILES, profile) ? PROFILES[profile] : undefined;
  if (rule === undefined || !rule.fits(key)) throw new Error('the signing key does not fit the signature profile asked for');
  return sign('sha256', data, { key, ...rule.options });
}
