// The directory entries of the sandbox simulators (npm start, the tests): each instance with its endpoint,
// jurisdiction, every purpose its type serves, and its certificate of this run pinned — the previous run's
// keys are retired, since the sandbox makes new ones at every start.
import { evidenceTypeOf } from '../../adapters/index.ts';
import type { SimulatorInstance } from '../../adapters/simulators.ts';
import type { RoutingHints } from './routing.ts';
import { pinnedCertificateOf, type InstanceEntry, type RegisterStore } from './register-store.ts';

export function sandboxDirectoryEntries(instances: readonly SimulatorInstance[], now: Date): InstanceEntry[] {
  return instances.map((i) => {
    const descriptor = evidenceTypeOf(i.evidenceType);
    return {
      definition: {
        id: i.id,
        evidenceType: i.evidenceType,
        name: i.name,
        endpointUrl: i.url,
        jurisdiction: { kind: descriptor.routing.kind, values: [...i.values] },
        purposes: [...descriptor.purposes],
        participants: null,
        enabled: true,
        mutualTls: false,
      },
      certificates: [pinnedCertificateOf(i.certificate, `the certificate of ${i.id}`, now)],
    };
  });
}

/** Writes the sandbox instances into the directory (all or nothing), keeping only this run's certificates in use. */
export async function seedSandboxDirectory(store: RegisterStore, instances: readonly SimulatorInstance[], now: Date): Promise<void> {
  await store.import(sandboxDirectoryEntries(instances, now), { retireOtherCertificates: true });
}

/** Routing hints that reach each type's first sandbox instance: what examples and tests send. */
export const SANDBOX_ROUTING: Required<RoutingHints> = { ags: '09162000', insurerIk: '108310400', birthPlaceAgs: '09162000' };
