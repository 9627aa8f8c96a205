// The register adapters the broker uses, one per evidence type, as a literal list: adding a register is
// one line here and a folder next to this file; nothing is loaded dynamically.
import type { EvidenceType } from '../broker/domain/codes.ts';
import type { RegisterAdapter } from './contract.ts';
import { createIncomeAdapter } from './income/adapter.ts';
import { createMaternityBenefitAdapter } from './maternity-benefit/adapter.ts';
import { createSalaryAdapter } from './salary/adapter.ts';

/** Where the registers are (from configuration or the participant directory) and who the broker is. */
export interface AdaptersConfig {
  baseUrls: Record<EvidenceType, string>;
  /** The broker's Behördenkennung, sent as the sender of every register message. */
  sender: string;
  clock?: () => Date;
}

/** All adapters, keyed by the evidence type each one fetches. */
export type Adapters = { [T in EvidenceType]: RegisterAdapter<T> };

export function createAdapters(cfg: AdaptersConfig): Adapters {
  const common = { sender: cfg.sender, clock: cfg.clock };
  return {
    salary: createSalaryAdapter({ ...common, baseUrl: cfg.baseUrls.salary }),
    'maternity-benefit': createMaternityBenefitAdapter({ ...common, baseUrl: cfg.baseUrls['maternity-benefit'] }),
    income: createIncomeAdapter({ ...common, baseUrl: cfg.baseUrls.income }),
  };
}
