// The sandbox key set for adapters made by tests: the adapters take no keys by themselves, so a test that talks
// to the sandbox simulators passes the sandbox broker's key and the register's certificate the simulator signs with.
import { evidenceTypeOf, type EvidenceType } from '../../adapters/index.ts';
import type { RegisterAdapterConfig } from '../../adapters/register-exchange.ts';
import { sandboxRegisterIdentity, sandboxTrust } from '../../adapters/sandbox-trust.ts';

/** The keys an adapter of the type needs to talk to its sandbox simulator. */
export function sandboxAdapterKeys(type: EvidenceType): Pick<RegisterAdapterConfig, 'signing' | 'registerCertificate'> {
  return { signing: sandboxTrust().broker, registerCertificate: sandboxRegisterIdentity(evidenceTypeOf(type).register.id).certPem };
}
