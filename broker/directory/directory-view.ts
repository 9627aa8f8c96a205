// The register directory as the API and the admin CLI show it: public facts only (no private keys exist here;
// certificates by fingerprint and validity). Pure.
import { signatureProfileOf } from '../../adapters/signing-keys.ts';
import { certificateStatus, type RegisterInstance } from './register-instance.ts';

/** One instance as GET /v1/directory/registers lists it. */
export function registerView(instance: RegisterInstance, now: Date) {
  return {
    id: instance.id,
    evidenceType: instance.evidenceType,
    name: instance.name,
    endpointUrl: instance.endpointUrl,
    jurisdiction: { kind: instance.jurisdiction.kind, values: instance.jurisdiction.values },
    purposes: instance.purposes,
    participants: instance.participants,
    enabled: instance.enabled,
    mutualTls: instance.mutualTls,
    certificates: instance.certificates.map((c) => ({
      fingerprint: c.fingerprint,
      notBefore: c.notBefore.toISOString(),
      notAfter: c.notAfter.toISOString(),
      status: certificateStatus(c, now),
      profile: signatureProfileOf(c.pem),
    })),
  };
}

export function registerListView(instances: readonly RegisterInstance[], now: Date) {
  return { registers: instances.map((i) => registerView(i, now)) };
}
