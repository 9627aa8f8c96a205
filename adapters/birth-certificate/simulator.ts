// The civil-status register simulator: the shared server and responder with the birth certificate messages
// and records. Its statements lie for 'outside-period' with a birth the day before the requested days; there
// is no 'negative-amount' lie, because a birth entry has no amounts.
import { startRegisterSimulator, type SimulatorHandle, type SimulatorStartOptions } from '../simulator-server.ts';
import { createRegisterResponder } from '../simulator-responder.ts';
import { birthCertificateMessages, type BirthStatement } from './messages.ts';
import { birthStatementFor } from './records.ts';

export function startBirthCertificateSimulator(opts: SimulatorStartOptions = {}): Promise<SimulatorHandle> {
  const handler = createRegisterResponder(birthCertificateMessages, birthStatementFor, {
    clock: opts.clock,
    signing: opts.signing,
    brokerCertificate: opts.brokerCertificate,
    distortions: {
      'outside-period': (s, asked): BirthStatement => {
        const dayBefore = new Date(Date.parse(asked.from) - 86_400_000).toISOString().slice(0, 10);
        const first = s.records[0]!;
        return { records: [{ ...first, dateOfBirth: dayBefore, registerEntry: `G 1/${dayBefore.slice(0, 4)}` }, ...s.records] };
      },
    },
  });
  return startRegisterSimulator({ register: birthCertificateMessages.register, handler, port: opts.port, host: opts.host });
}
