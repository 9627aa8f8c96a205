// A logger built like the broker's own (same redaction) whose lines a test can read back.
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createLogger } from '../../broker/ops/logger.ts';

export function logLines(level = 'debug'): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { log: createLogger(level, sink), lines };
}
