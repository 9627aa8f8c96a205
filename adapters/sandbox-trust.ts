// The sandbox's key set for signed register messages: a CA, a broker and per-register certificates, made
// per process in memory so nothing outside trusts them. NOTE: outside demo mode the broker signs and pins only
// configured keys (broker/config/config.ts), so a sandbox key can never stand in for a real register.
import { createCa, createCsr, generateKeyPem, issueCertificate, type CertificateAuthority } from '../broker/directory/ca.ts';
import type { RegisterId } from './contract.ts';
import type { SigningIdentity } from './signing-keys.ts';

/** The sandbox's CA and the broker's signing identity; each register's identity is made on its first use. */
export interface SandboxTrust {
  caCertPem: string;
  broker: SigningIdentity;
}

let made: { trust: SandboxTrust; ca: CertificateAuthority; registers: Map<RegisterId, SigningIdentity> } | null = null;

function sandbox() {
  if (made === null) {
    const ca = createCa('Evidence Broker Sandbox CA', 10);
    made = { ca, trust: { caCertPem: ca.certPem, broker: issueSigningIdentity(ca, 'evidence-broker', 'Evidence Broker (sandbox)') }, registers: new Map() };
  }
  return made;
}

/** This process's sandbox key set (made on the first call). */
export function sandboxTrust(): SandboxTrust {
  return sandbox().trust;
}

/** Whether this process has made its sandbox key set yet (it is made on first use only). */
export function sandboxTrustMade(): boolean {
  return made !== null;
}

/** The sandbox identity of a register, by its id (its certificate's common name). */
export function sandboxRegisterIdentity(register: RegisterId): SigningIdentity {
  const { ca, registers } = sandbox();
  let identity = registers.get(register);
  if (identity === undefined) {
    identity = issueSigningIdentity(ca, register, `${register} (sandbox)`);
    registers.set(register, identity);
  }
  return identity;
}

/** A signing identity certified by the given CA (the sandbox's, or another one in tests). */
export function issueSigningIdentity(ca: CertificateAuthority, commonName: string, organization: string): SigningIdentity {
  const { keyPem } = generateKeyPem();
  const csrPem = createCsr(keyPem, commonName);
  const { certPem } = issueCertificate(ca, { csrPem, commonName, organization, use: 'signing', validityDays: 3650 });
  return { keyPem, certPem };
}
