// Configuration, read once: readEnv() parses the environment with zod, envToConfig() applies defaults and
// cross-checks. Nothing else in the code reads process.env.
import { z } from 'zod';
import { EVIDENCE_TYPES, type EvidenceType } from './domain/codes.ts';

const port = z.coerce.number().int().min(0).max(65535);
const url = z.url({ protocol: /^https?$/ });

/** The raw environment the broker understands; every variable is optional. */
const EnvSchema = z.object({
  PORT: port.optional(),
  HOST: z.string().min(1).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^(file:.+|postgres(ql)?:\/\/.+)$/, 'must start with file: (SQLite) or postgresql:// (PostgreSQL)')
    .optional(),
  BROKER_DEMO_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  BROKER_ID: z.string().regex(/^[a-z0-9][a-z0-9-]{2,62}$/).optional(),
  REGISTER_TIMEOUT_MS: z.coerce.number().int().min(50).max(120_000).optional(),
  SALARY_REGISTER_URL: url.optional(),
  MATERNITY_BENEFIT_REGISTER_URL: url.optional(),
  INCOME_REGISTER_URL: url.optional(),
  SIMULATOR_PORTS: z
    .string()
    .regex(/^\d+,\d+,\d+$/, 'must be three ports: salary,maternity-benefit,income')
    .optional(),
  BROKER_DEMO: z.enum(['true', 'false']).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).optional(),
  STATISTICS_MIN_COUNT: z.coerce.number().int().min(2).max(1000).optional(),
});
export type Env = z.infer<typeof EnvSchema>;

/** The broker's validated configuration. */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  /** Identifies this broker as the sender of register messages. */
  brokerId: string;
  /** Demo mode: start the register simulators, seed a demo authority, citizen and consent. */
  demo: boolean;
  demoToken: string | undefined;
  registerTimeoutMs: number;
  /** Register endpoints; in demo mode the simulators' own addresses replace them. */
  registerUrls: Record<EvidenceType, string>;
  /** Ports of the simulators in demo mode (0 picks a free port). */
  simulatorPorts: Record<EvidenceType, number>;
  logLevel: NonNullable<Env['LOG_LEVEL']>;
  /** How long the personal details of an audit entry are kept (IDNrG § 9: two years). */
  auditRetentionDays: number;
  /** Statistics cells with fewer transactions than this are suppressed. */
  statisticsMinCount: number;
}

/** A configuration problem, reported as one line naming the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const picked = Object.fromEntries(
    Object.keys(EnvSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = EnvSchema.safeParse(picked);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`invalid ${String(issue.path[0])}: ${issue.message}`);
  }
  return parsed.data;
}

export function envToConfig(env: Env): Config {
  const [salaryPort, maternityPort, incomePort] = (env.SIMULATOR_PORTS ?? '8091,8092,8093').split(',').map(Number);
  const simulatorPorts: Record<EvidenceType, number> = {
    salary: salaryPort!,
    'maternity-benefit': maternityPort!,
    income: incomePort!,
  };
  const registerUrls: Record<EvidenceType, string> = {
    salary: env.SALARY_REGISTER_URL ?? `http://127.0.0.1:${simulatorPorts.salary}`,
    'maternity-benefit': env.MATERNITY_BENEFIT_REGISTER_URL ?? `http://127.0.0.1:${simulatorPorts['maternity-benefit']}`,
    income: env.INCOME_REGISTER_URL ?? `http://127.0.0.1:${simulatorPorts.income}`,
  };
  const fixedPorts = EVIDENCE_TYPES.map((t) => simulatorPorts[t]).filter((p) => p !== 0);
  if (new Set(fixedPorts).size !== fixedPorts.length) {
    throw new ConfigError('invalid SIMULATOR_PORTS: the three ports must differ');
  }
  return {
    port: env.PORT ?? 8080,
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL ?? 'file:./data/broker.db',
    brokerId: env.BROKER_ID ?? 'evidence-broker',
    demo: (env.BROKER_DEMO ?? 'true') === 'true',
    demoToken: env.BROKER_DEMO_TOKEN,
    registerTimeoutMs: env.REGISTER_TIMEOUT_MS ?? 5000,
    registerUrls,
    simulatorPorts,
    logLevel: env.LOG_LEVEL ?? 'info',
    auditRetentionDays: env.AUDIT_RETENTION_DAYS ?? 730,
    statisticsMinCount: env.STATISTICS_MIN_COUNT ?? 5,
  };
}

/** Configuration for tests and tools: defaults plus overrides, no environment. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...envToConfig({}), logLevel: 'silent', ...overrides };
}
