// The civil-status register simulator: the shared server and responder with the birth certificate messages
// and records. Its statements lie for 'outside-period' with a birth the day before the requested days; there
// is no 'negative-amount' lie, because a birth entry has no amounts.
import type { SandboxInstance, SimulatorHandle, SimulatorStartOptions } from '../simulator-server.ts';
import { startFamilySimulator } from '../simulator-responder.ts';
import { birthCertificateMessages, type BirthStatement } from './messages.ts';
import { birthStatementFor, type RegistryOffice } from './records.ts';

export function startBirthCertificateSimulator(opts: SimulatorStartOptions): Promise<SimulatorHandle> {
  return startFamilySimulator(birthCertificateMessages, opts, (served) => ({
    lookup: (idNr, range, now) => birthStatementFor(idNr, range, now, officeOf(served.instance)),
    distortions: {
      'outside-period': (s, asked): BirthStatement => {
        const dayBefore = new Date(Date.parse(asked.from) - 86_400_000).toISOString().slice(0, 10);
        const first = s.records[0]!;
        return { records: [{ ...first, dateOfBirth: dayBefore, registerEntry: `G 1/${dayBefore.slice(0, 4)}` }, ...s.records] };
      },
    },
  }));
}

/** The Standesamt an instance stands for (its name and first AGS); none for a simulator started without instances. */
function officeOf(instance: SandboxInstance): RegistryOffice | undefined {
  const ags = instance.values[0];
  return ags === undefined ? undefined : { name: instance.name, ags };
}
