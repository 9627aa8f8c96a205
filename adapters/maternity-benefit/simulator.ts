// The statutory health insurer simulator: the shared server and responder with the maternity benefit
// messages and records.
import { startRegisterSimulator, type SimulatorHandle, type SimulatorStartOptions } from '../simulator-server.ts';
import { createRegisterResponder } from '../simulator-responder.ts';
import { maternityBenefitMessages } from './messages.ts';
import { maternityBenefitFor } from './records.ts';

export function startMaternityBenefitSimulator(
  opts: SimulatorStartOptions = {},
): Promise<SimulatorHandle> {
  const handler = createRegisterResponder(maternityBenefitMessages, (idNr, period) => maternityBenefitFor(idNr, period), {
    clock: opts.clock,
  });
  return startRegisterSimulator({ register: 'gkv-mutterschaftsgeld', handler, port: opts.port, host: opts.host });
}
