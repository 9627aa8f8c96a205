// Structured JSON logs (pino). Personal data never goes in: routes log their pattern, not their URL, and
// the fields that could carry personal data are redacted wherever they appear.
import { pino, type DestinationStream, type Logger } from 'pino';

const REDACT = ['idNr', 'citizenIdNr', '*.idNr', '*.citizenIdNr', 'data', '*.data', 'req.headers.authorization', 'authorization', '*.authorization'];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'evidence-broker' }, redact: { paths: REDACT, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
