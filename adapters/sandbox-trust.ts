// The sandbox's key set for signed register messages: one CA made with the broker's own PKI code
// (broker/pki/ca.ts, node-forge), a signing certificate for the broker and one for each register simulator.
// Made once per process on first use (about two seconds: five RSA-3072 keys from Node's native generator,
// which node-forge uses) and kept in memory only — nothing is written, and no other process trusts it.
// The simulators use it unless given other keys, and so does every message build or read that is given no
// keys (tests, tools). A broker outside demo mode signs with its configured key and pins its registers'
// configured certificates (broker/config.ts), so a sandbox key can never stand in for a real register.
import type { EvidenceType } from '../broker/domain/codes.ts';
import { createCa, createCsr, generateKeyPem, issueCertificate, type CertificateAuthority } from '../broker/pki/ca.ts';
import type { RegisterId } from './contract.ts';
import type { SigningIdentity } from './signing.ts';

/** The sandbox's CA, the broker's signing identity and each register's, all certified by that CA. */
export interface SandboxTrust {
  caCertPem: string;
  broker: SigningIdentity;
  registers: Record<EvidenceType, SigningIdentity>;
}

/** Which register serves which evidence type (the certificates' common names). */
export const SANDBOX_REGISTERS: { readonly [T in EvidenceType]: RegisterId } = {
  salary: 'rvbea',
  'maternity-benefit': 'gkv-mutterschaftsgeld',
  income: 'steuerverwaltung',
};

let made: SandboxTrust | null = null;

/** This process's sandbox key set (made on the first call). */
export function sandboxTrust(): SandboxTrust {
  made ??= makeTrust();
  return made;
}

/** Whether this process has made its sandbox key set yet (it is made on first use only). */
export function sandboxTrustMade(): boolean {
  return made !== null;
}

/** The sandbox identity of a register, by its id. */
export function sandboxRegisterIdentity(register: RegisterId): SigningIdentity {
  const trust = sandboxTrust();
  const type = (Object.keys(SANDBOX_REGISTERS) as EvidenceType[]).find((t) => SANDBOX_REGISTERS[t] === register);
  if (type === undefined) throw new Error(`no sandbox register ${register}`);
  return trust.registers[type];
}

/** A signing identity certified by the given CA (the sandbox's, or another one in tests). */
export function issueSigningIdentity(ca: CertificateAuthority, commonName: string, organization: string): SigningIdentity {
  const { keyPem } = generateKeyPem();
  const csrPem = createCsr(keyPem, commonName);
  const { certPem } = issueCertificate(ca, { csrPem, commonName, organization, use: 'signing', validityDays: 3650 });
  return { keyPem, certPem };
}

function makeTrust(): SandboxTrust {
  const ca = createCa('Evidence Broker Sandbox CA', 10);
  return {
    caCertPem: ca.certPem,
    broker: issueSigningIdentity(ca, 'evidence-broker', 'Evidence Broker (sandbox)'),
    registers: {
      salary: issueSigningIdentity(ca, SANDBOX_REGISTERS.salary, 'rvBEA (sandbox)'),
      'maternity-benefit': issueSigningIdentity(ca, SANDBOX_REGISTERS['maternity-benefit'], 'GKV Mutterschaftsgeld (sandbox)'),
      income: issueSigningIdentity(ca, SANDBOX_REGISTERS.income, 'Steuerverwaltung (sandbox)'),
    },
  };
}
