// The tax administration simulator: the shared server and responder with the income messages and records.
import { startRegisterSimulator, type SimulatorHandle, type SimulatorStartOptions } from '../simulator-server.ts';
import { createRegisterResponder } from '../simulator-responder.ts';
import { incomeMessages } from './messages.ts';
import { incomeStatementFor } from './records.ts';

export function startIncomeSimulator(opts: SimulatorStartOptions = {}): Promise<SimulatorHandle> {
  const handler = createRegisterResponder(incomeMessages, incomeStatementFor, { clock: opts.clock });
  return startRegisterSimulator({ register: 'steuerverwaltung', handler, port: opts.port, host: opts.host });
}
