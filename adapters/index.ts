// The register adapters the broker uses, one per evidence type, as a literal list: adding a register is
// one line here and a folder next to this file; nothing is loaded dynamically.
import type { EvidenceType } from '../broker/domain/codes.ts';
import type { RegisterAdapter } from './contract.ts';
import { createIncomeAdapter } from './income/adapter.ts';
import { createMaternityBenefitAdapter } from './maternity-benefit/adapter.ts';
import { createSalaryAdapter } from './salary/adapter.ts';
import type { SignatureOperation, SigningIdentity } from './signing.ts';

/** Where the registers are (from configuration or the participant directory) and who the broker is. */
export interface AdaptersConfig {
  baseUrls: Record<EvidenceType, string>;
  /** The broker's Behördenkennung, sent as the sender of every register message. */
  sender: string;
  clock?: () => Date;
  /** The broker's key and certificate that sign every query (omitted: the sandbox broker's; tests, tools). */
  signing?: SigningIdentity;
  /** Where the private-key operation of those signatures runs (./signature-pool.ts); omitted: the event loop. */
  signatureOperation?: SignatureOperation;
  /** Each register's certificate, pinned for its answers (omitted: the sandbox registers'; tests, tools). */
  registerCertificates?: Record<EvidenceType, string>;
}

/** All adapters, keyed by the evidence type each one fetches. */
export type Adapters = { [T in EvidenceType]: RegisterAdapter<T> };

export function createAdapters(cfg: AdaptersConfig): Adapters {
  const common = { sender: cfg.sender, clock: cfg.clock, signing: cfg.signing, signatureOperation: cfg.signatureOperation };
  const pinned = (type: EvidenceType) => cfg.registerCertificates?.[type];
  return {
    salary: createSalaryAdapter({ ...common, baseUrl: cfg.baseUrls.salary, registerCertificate: pinned('salary') }),
    'maternity-benefit': createMaternityBenefitAdapter({ ...common, baseUrl: cfg.baseUrls['maternity-benefit'], registerCertificate: pinned('maternity-benefit') }),
    income: createIncomeAdapter({ ...common, baseUrl: cfg.baseUrls.income, registerCertificate: pinned('income') }),
  };
}
