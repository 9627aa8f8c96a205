// The sandbox key set for adapters made by tests: the adapters take no keys by themselves, so a test that talks
// to a type's simulator started alone (one instance named like the register family) passes the sandbox broker's
// key, that instance's id and its certificate.
import { evidenceTypeOf, type EvidenceType } from '../../adapters/index.ts';
import type { RegisterAdapterConfig } from '../../adapters/register-exchange.ts';
import { sandboxRegisterIdentity, sandboxTrust } from '../../adapters/sandbox-trust.ts';

/** The keys and recipient an adapter of the type needs to talk to the type's simulator started alone. */
export function sandboxAdapterKeys(type: EvidenceType): Pick<RegisterAdapterConfig, 'signing' | 'recipient' | 'registerCertificates'> {
  const register = evidenceTypeOf(type).register.id;
  return { signing: sandboxTrust().broker, recipient: register, registerCertificates: () => [sandboxRegisterIdentity(register).certPem] };
}
