// The rvBEA register simulator: the shared server and responder with the salary messages and records.
import { startRegisterSimulator, type SimulatorHandle, type SimulatorStartOptions } from '../simulator-server.ts';
import { createRegisterResponder } from '../simulator-responder.ts';
import { salaryMessages } from './messages.ts';
import { salaryStatementFor } from './records.ts';

export function startSalarySimulator(opts: SimulatorStartOptions = {}): Promise<SimulatorHandle> {
  const handler = createRegisterResponder(salaryMessages, salaryStatementFor, { clock: opts.clock });
  return startRegisterSimulator({ register: 'rvbea', handler, port: opts.port, host: opts.host });
}
