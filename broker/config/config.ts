// Configuration, read once: readEnv() parses the environment with zod, envToConfig() applies defaults and
// cross-checks. Nothing else in the code reads process.env.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseVerifierKey } from '../audit/signed-note.ts';
import { EVIDENCE_TYPE_LIST, EVIDENCE_TYPES, type EvidenceType } from '../../adapters/index.ts';
import { parseOperatorTexts, type OperatorTexts } from '../pages/info/operator-texts.ts';

const port = z.coerce.number().int().min(0).max(65535);

const DEFAULT_SIMULATOR_PORTS = EVIDENCE_TYPE_LIST.map((t) => t.config.simulatorPort).join(',');

/** The raw environment the broker understands; every variable is optional. */
const StaticEnvSchema = z.object({
  PORT: port.optional(),
  METRICS_PORT: port.optional(),
  HOST: z.string().min(1).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^(file:.+|postgres(ql)?:\/\/.+)$/, 'must start with file: (SQLite) or postgresql:// (PostgreSQL)')
    .optional(),
  BROKER_DEMO_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  BROKER_ID: z.string().regex(/^[a-z0-9][a-z0-9-]{2,62}$/).optional(),
  REGISTER_TIMEOUT_MS: z.coerce.number().int().min(50).max(120_000).optional(),
  SIMULATOR_PORTS: z
    .string()
    .regex(new RegExp(`^\\d+(,\\d+){${EVIDENCE_TYPES.length - 1}}$`), `must be ${EVIDENCE_TYPES.length} ports: ${EVIDENCE_TYPES.join(',')}`)
    .optional(),
  BROKER_DEMO: z.enum(['true', 'false']).optional(),
  BROKER_DEMO_ON_NETWORK: z.enum(['true', 'false']).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).optional(),
  DATA_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded (openssl rand -base64 32)')
    .optional(),
  DATA_KEY_FILE: z.string().min(1).optional(),
  RESULT_RETENTION_HOURS: z.coerce.number().int().min(1).max(168).optional(),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).optional(),
  MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(100_000).optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).optional(),
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(30_000).optional(),
  HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).max(30_000).optional(),
  MAX_CONNECTIONS_PER_CLIENT: z.coerce.number().int().min(1).max(100_000).optional(),
  CONSENT_MAX_VALIDITY_DAYS: z.coerce.number().int().min(1).max(3650).optional(),
  SIGN_IN_ATTEMPTS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).optional(),
  REGISTER_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).optional(),
  ADMISSION_WAIT_MS: z.coerce.number().int().min(0).max(60_000).optional(),
  SIGNING_THREADS: z.union([z.literal('auto'), z.coerce.number().int().min(0).max(64)]).optional(),
  AUDIT_SIGNING_KEY: z.string().includes('PRIVATE KEY', { message: 'must be an Ed25519 private key in PKCS#8 PEM' }).optional(),
  AUDIT_SIGNING_KEY_FILE: z.string().min(1).optional(),
  CHECKPOINT_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).optional(),
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).optional(),
  PURGE_INTERVAL_MS: z.coerce.number().int().min(100).max(86_400_000).optional(),
  WITNESS_KEYS: z.string().optional(),
  BROKER_MODE: z.enum(['development', 'production']).optional(),
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  TLS_CLIENT_CA_FILE: z.string().min(1).optional(),
  CA_DIR: z.string().min(1).optional(),
  BROKER_SIGNING_KEY_FILE: z.string().min(1).optional(),
  BROKER_SIGNING_CERT_FILE: z.string().min(1).optional(),
  BROKER_ECDSA_SIGNING_KEY_FILE: z.string().min(1).optional(),
  BROKER_ECDSA_SIGNING_CERT_FILE: z.string().min(1).optional(),
  DIRECTORY_REFRESH_MS: z.coerce.number().int().min(100).max(10_000).optional(),
  REGISTER_CLIENT_CERT_FILE: z.string().min(1).optional(),
  REGISTER_CLIENT_KEY_FILE: z.string().min(1).optional(),
  REGISTER_CA_FILE: z.string().min(1).optional(),
  REQUEST_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).optional(),
  STATISTICS_MIN_COUNT: z.coerce.number().int().min(2).max(1000).optional(),
  BROKER_DEMO_CLERK_PASSWORD: z.string().min(12, 'must be at least 12 characters').max(1024).optional(),
  CITIZEN_SIGN_IN: z.enum(['sandbox', 'oidc', 'off']).optional(),
  OIDC_ISSUER: z.url({ protocol: /^https?$/, error: 'must be the provider\'s issuer URL (https://…)' }).optional(),
  OIDC_CLIENT_ID: z.string().min(1).max(255).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).max(1024).optional(),
  OIDC_CLIENT_SECRET_FILE: z.string().min(1).optional(),
  OIDC_REDIRECT_URI: z.url({ protocol: /^https?$/, error: 'must be the absolute URL of /cockpit/sign-in/callback' }).optional(),
  OIDC_ACR_VALUES: z.string().regex(/^[\x21-\x7e]+([\s,]+[\x21-\x7e]+)*$/, 'must list the accepted acr values, separated by spaces or commas').optional(),
  OIDC_IDNR_CLAIM: z.string().regex(/^[A-Za-z0-9_:.\/-]{1,200}$/, 'must be the name of the claim that carries the IdNr').optional(),
  OIDC_SCOPES: z.string().regex(/^openid( [\x21-\x7e]+)*$/, 'must start with "openid", scopes separated by single spaces').optional(),
  OIDC_PROVIDER_NAME: z.string().min(1).max(60).optional(),
  COOKIE_SECURE: z.enum(['auto', 'always']).optional(),
  PROBLEM_BASE_URL: z
    .string()
    .refine(isProblemBase, 'must be an absolute http(s) URL without query or fragment, e.g. https://broker.example.de/problems/')
    .optional(),
  OPERATOR_TEXTS_FILE: z.string().min(1).optional(),
});
const EnvSchema = StaticEnvSchema;
/** The parsed environment. */
export type Env = z.infer<typeof StaticEnvSchema>;

/** Variables of the time before the register directory: refused, so a register set there is not silently ignored. */
const RETIRED_VARIABLE = /^[A-Z_]+_REGISTER_(URL|CERT_FILE)$/;

/** A PEM document given inline (tests, the demo) or as a file read at start-up. */
export type PemSource = { pem: string } | { file: string };

/**
 * How the broker signs register messages (XML Signature, adapters/signing.ts): its RSA identity and, for
 * registers with ECDSA P-256 certificates, its ECDSA identity; or 'sandbox', this process's sandbox key set
 * (adapters/sandbox-trust.ts) — development only, refused in production mode at start-up. The registers'
 * certificates are pinned in the register directory (broker/directory/).
 */
export type RegisterSigning =
  | 'sandbox'
  | { rsa: { key: PemSource; certificate: PemSource }; ecdsa: { key: PemSource; certificate: PemSource } | null };

/** The variables of RegisterSigning. */
const SIGNING_VARIABLES = {
  rsa: { key: 'BROKER_SIGNING_KEY_FILE', certificate: 'BROKER_SIGNING_CERT_FILE' },
  ecdsa: { key: 'BROKER_ECDSA_SIGNING_KEY_FILE', certificate: 'BROKER_ECDSA_SIGNING_CERT_FILE' },
} as const;

/** The broker's validated configuration. */
export interface Config {
  port: number;
  /** When set, /metrics is served on this port only (plain HTTP, same host), not on `port`; 0 picks a free one. */
  metricsPort: number | null;
  host: string;
  databaseUrl: string;
  /** Identifies this broker as the sender of register messages. */
  brokerId: string;
  /** Demo mode: start the register simulators, seed a demo authority, citizen and consent. */
  demo: boolean;
  demoToken: string | undefined;
  registerTimeoutMs: number;
  /** How often each process checks the register directory for changes (another broker's or the CLI's). */
  directoryRefreshMs: number;
  /**
   * The broker's TLS client certificate for registers that ask for mutual TLS (directory flag mutualTls), and
   * extra trust anchors for registers' server certificates (default: Node's CA list); null when not configured.
   */
  registerClientTls: { certFile: string; keyFile: string; caFile: string | null } | null;
  /** Ports of the simulators in demo mode (0 picks a free port). */
  simulatorPorts: Record<EvidenceType, number>;
  logLevel: NonNullable<Env['LOG_LEVEL']>;
  /** How long the personal details of an audit entry are kept (IDNrG § 9: two years). */
  auditRetentionDays: number;
  /** Statistics cells with fewer transactions than this are suppressed. */
  statisticsMinCount: number;
  /** The demo clerk's password; generated at each start when unset. */
  demoClerkPassword: string | undefined;
  /** How citizens sign in to the cockpit: the sandbox stand-in (demo and test systems only), OpenID Connect, or not at all. */
  citizenSignIn: 'sandbox' | 'oidc' | 'off';
  /** The OpenID Provider citizens sign in with (CITIZEN_SIGN_IN=oidc); null otherwise. */
  oidc: OidcConfig | null;
  /** Secure flag of the pages' cookies: 'auto' over TLS only, 'always' behind a TLS-terminating proxy. */
  cookieSecure: 'auto' | 'always';
  /** production: HTTPS only, no demo, demo tokens refused. */
  mode: 'development' | 'production';
  /** HTTPS with optional client certificates (mutual TLS) when set. */
  tls: { certFile: string; keyFile: string; clientCaFile: string } | null;
  /** Where the broker's CA keeps its key and certificate (admin pki commands). */
  caDir: string;
  /** The broker's keys that sign register messages. */
  registerSigning: RegisterSigning;
  /** The Ed25519 key that signs audit checkpoints. */
  auditSigningKey: { pem: string } | { file: string };
  /** Minimum time between two signed checkpoints (one is made only when the chain grew). */
  checkpointIntervalSeconds: number;
  /** How often each process sweeps (takes over orphaned async requests, erases expired answers) and checks whether a checkpoint and tree head are due. */
  sweepIntervalMs: number;
  /** How often each process deletes what outlived its retention (request metadata, audit details, sign-in throttles). */
  purgeIntervalMs: number;
  /** Cosigner verifier keys (C2SP vkeys of type cosignature/v1) of the witnesses whose cosignatures are accepted. */
  witnessKeys: string[];
  /** How long evidence requests' metadata (who asked what, statuses, hashes) is kept. */
  requestRetentionDays: number;
  /** Key that seals answers held for idempotent replay and async delivery: given, or read/created in a file. */
  dataKey: { base64: string } | { file: string };
  /** How long a sealed answer is held for replay or async delivery. */
  resultRetentionHours: number;
  /** Evidence requests per participant and minute, per broker process (429 beyond). */
  rateLimitPerMinute: number;
  /** Requests in flight per broker process (503 beyond); a request counts once it is authenticated and its body read. */
  maxInFlight: number;
  /** PostgreSQL: connections in this process's pool (SQLite has one connection). */
  databasePoolSize: number;
  /** How long a client may take to send a whole request (headers and body); 408 and closed beyond. */
  requestTimeoutMs: number;
  /** How long a client may take to send the request's headers. */
  headersTimeoutMs: number;
  /** Open connections per client address; more are closed at once. */
  maxConnectionsPerClient: number;
  /** The longest validity of a consent an authority records for itself (400 beyond). */
  consentMaxValidityDays: number;
  /** Sign-in attempts (clerk and citizen pages) per client address and minute, per process (429 page beyond). */
  signInAttemptsPerMinute: number;
  /** Calls in flight per register and process, and evidence requests admitted to it at once (broker/evidence/admission.ts). */
  registerMaxInFlight: number;
  /** How long a request whose registers are full waits for room before it is refused (503); 0 = at once. */
  admissionWaitMs: number;
  /** Worker threads for the private-key operation of register-message signatures; 0 = on the event loop. */
  signingThreads: number;
  /**
   * Base of problem `type` URIs, ending in '/': `type` is this + the code, and the broker explains each code at
   * /problems/<code>. Default: this broker's own address from HOST and PORT (set it to the public address).
   */
  problemBaseUrl: string;
  /**
   * The operator's Impressum, privacy notice and accessibility statement, read from OPERATOR_TEXTS_FILE at
   * start-up; null when none is given: the info pages show the demo's texts, and production mode refuses to start.
   */
  operatorTexts: OperatorTexts | null;
}

/** The OpenID Provider (e.g. BundID) that vouches for citizens, and this broker's client there. */
export interface OidcConfig {
  /** Issuer identifier; its /.well-known/openid-configuration is read at the first sign-in. */
  issuer: string;
  clientId: string;
  /** The client secret, given or read from a file at start-up. */
  clientSecret: { value: string } | { file: string };
  /** Registered redirect URI (…/cockpit/sign-in/callback); null: derived from the request (development only). */
  redirectUri: string | null;
  /** Accepted levels of assurance (the id_token's `acr`); also sent as acr_values. */
  acrValues: string[];
  /** The claim (in the id_token or from userinfo) that carries the citizen's IdNr. */
  idNrClaim: string;
  /** Scopes asked for; always with openid. */
  scopes: string;
  /** Shown on the sign-in button. */
  providerName: string;
}

/** A configuration problem, reported as one line naming the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const retired = Object.keys(env).find((k) => RETIRED_VARIABLE.test(k) && env[k] !== '');
  if (retired) throw new ConfigError(`invalid ${retired}: registers are entries of the register directory now; add them with \`npm run admin -- registers add\` or \`registers import\``);
  const picked = Object.fromEntries(
    Object.keys(EnvSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = EnvSchema.safeParse(picked);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`invalid ${String(issue.path[0])}: ${issue.message}`);
  }
  return parsed.data as Env;
}

export function envToConfig(env: Env): Config {
  const ports = (env.SIMULATOR_PORTS ?? DEFAULT_SIMULATOR_PORTS).split(',').map(Number);
  const simulatorPorts = Object.fromEntries(EVIDENCE_TYPES.map((t, i) => [t, ports[i]!])) as Record<EvidenceType, number>;
  const fixedPorts = EVIDENCE_TYPES.map((t) => simulatorPorts[t]).filter((p) => p !== 0);
  if (new Set(fixedPorts).size !== fixedPorts.length) {
    throw new ConfigError('invalid SIMULATOR_PORTS: the ports must differ');
  }
  const mode = env.BROKER_MODE ?? 'development';
  const caDir = env.CA_DIR ?? './data/ca';
  if ((env.TLS_CERT_FILE === undefined) !== (env.TLS_KEY_FILE === undefined)) {
    throw new ConfigError(`invalid ${env.TLS_CERT_FILE ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE'}: TLS_CERT_FILE and TLS_KEY_FILE go together`);
  }
  const tls = env.TLS_CERT_FILE && env.TLS_KEY_FILE ? { certFile: env.TLS_CERT_FILE, keyFile: env.TLS_KEY_FILE, clientCaFile: env.TLS_CLIENT_CA_FILE ?? `${caDir}/ca.crt` } : null;
  if (mode === 'production') {
    if (env.BROKER_DEMO === 'true') throw new ConfigError('invalid BROKER_DEMO: production mode runs no demo');
    if (!tls) throw new ConfigError('invalid TLS_CERT_FILE: production mode serves the API over HTTPS only; set TLS_CERT_FILE and TLS_KEY_FILE');
    if (env.CITIZEN_SIGN_IN === 'sandbox') throw new ConfigError('invalid CITIZEN_SIGN_IN: production mode has no sandbox sign-in (it proves nothing)');
  }
  const demo = (env.BROKER_DEMO ?? (mode === 'production' ? 'false' : 'true')) === 'true';
  const host = env.HOST ?? '127.0.0.1';
  // NOTE: the demo prints working tokens and the clerk's password and signs citizens in by IdNr alone.
  if (demo && !isLoopback(host) && env.BROKER_DEMO_ON_NETWORK !== 'true') {
    throw new ConfigError('invalid HOST: the demo (sandbox sign-in, printed tokens and password) listens on loopback only; set BROKER_DEMO=false, or BROKER_DEMO_ON_NETWORK=true for a public sandbox');
  }
  const registerSigning = signingFromEnv(env);
  // NOTE: the sandbox sign-in proves nothing, so outside demo mode it must be switched on explicitly.
  const citizenSignIn = env.CITIZEN_SIGN_IN ?? ((env.BROKER_DEMO ?? (mode === 'production' ? 'false' : 'true')) === 'true' ? 'sandbox' : 'off');
  return {
    port: env.PORT ?? 8080,
    metricsPort: env.METRICS_PORT ?? null,
    host,
    databaseUrl: env.DATABASE_URL ?? 'file:./data/broker.db',
    brokerId: env.BROKER_ID ?? 'evidence-broker',
    demo,
    demoToken: env.BROKER_DEMO_TOKEN,
    registerTimeoutMs: env.REGISTER_TIMEOUT_MS ?? 5000,
    directoryRefreshMs: env.DIRECTORY_REFRESH_MS ?? 5000,
    registerClientTls: registerClientTlsFromEnv(env),
    simulatorPorts,
    logLevel: env.LOG_LEVEL ?? 'info',
    auditRetentionDays: env.AUDIT_RETENTION_DAYS ?? 730,
    statisticsMinCount: env.STATISTICS_MIN_COUNT ?? 5,
    requestRetentionDays: env.REQUEST_RETENTION_DAYS ?? 90,
    mode,
    tls,
    caDir,
    registerSigning,
    auditSigningKey: env.AUDIT_SIGNING_KEY ? { pem: env.AUDIT_SIGNING_KEY } : { file: env.AUDIT_SIGNING_KEY_FILE ?? './data/audit-signing.key' },
    // The demo signs every 30 s, so a tester's transfer has its proof (cockpit download) without a five-minute wait.
    checkpointIntervalSeconds: env.CHECKPOINT_INTERVAL_SECONDS ?? (demo ? 30 : 300),
    sweepIntervalMs: env.SWEEP_INTERVAL_MS ?? 5_000,
    purgeIntervalMs: env.PURGE_INTERVAL_MS ?? 15 * 60_000,
    witnessKeys: witnessKeysFromEnv(env.WITNESS_KEYS),
    dataKey: env.DATA_KEY ? { base64: env.DATA_KEY } : { file: env.DATA_KEY_FILE ?? './data/data.key' },
    resultRetentionHours: env.RESULT_RETENTION_HOURS ?? 24,
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE ?? 600,
    maxInFlight: env.MAX_IN_FLIGHT ?? 512,
    // The default is DATABASE_TIME_LIMITS.poolMax (broker/db/database.ts), what every broker had before it was configurable.
    databasePoolSize: env.DATABASE_POOL_SIZE ?? 10,
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS ?? 30_000,
    headersTimeoutMs: Math.min(env.HEADERS_TIMEOUT_MS ?? 10_000, env.REQUEST_TIMEOUT_MS ?? 30_000),
    maxConnectionsPerClient: env.MAX_CONNECTIONS_PER_CLIENT ?? 256,
    consentMaxValidityDays: env.CONSENT_MAX_VALIDITY_DAYS ?? 365,
    signInAttemptsPerMinute: env.SIGN_IN_ATTEMPTS_PER_MINUTE ?? 60,
    registerMaxInFlight: env.REGISTER_MAX_IN_FLIGHT ?? 64,
    admissionWaitMs: env.ADMISSION_WAIT_MS ?? 1000,
    // auto: one thread per core beyond the event loop's, at least one, at most four.
    signingThreads: env.SIGNING_THREADS === undefined || env.SIGNING_THREADS === 'auto' ? Math.max(1, Math.min(4, availableParallelism() - 1)) : env.SIGNING_THREADS,
    demoClerkPassword: env.BROKER_DEMO_CLERK_PASSWORD,
    citizenSignIn,
    oidc: oidcFromEnv(env, citizenSignIn, mode),
    cookieSecure: env.COOKIE_SECURE ?? 'auto',
    problemBaseUrl: env.PROBLEM_BASE_URL === undefined ? ownProblemBase(tls !== null, host, env.PORT ?? 8080) : withTrailingSlash(env.PROBLEM_BASE_URL),
    operatorTexts: env.OPERATOR_TEXTS_FILE === undefined ? null : loadOperatorTexts(env.OPERATOR_TEXTS_FILE),
  };
}

/** OPERATOR_TEXTS_FILE: read and checked now, so a missing or malformed file stops the start with the field named. */
function loadOperatorTexts(file: string): OperatorTexts {
  let json: string;
  try {
    json = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(`invalid OPERATOR_TEXTS_FILE: ${file} cannot be read`);
  }
  const parsed = parseOperatorTexts(json);
  if (!parsed.ok) throw new ConfigError(`invalid OPERATOR_TEXTS_FILE: ${file}: ${parsed.error}`);
  return parsed.texts;
}

const OIDC_VARIABLES = ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_CLIENT_SECRET_FILE', 'OIDC_REDIRECT_URI', 'OIDC_ACR_VALUES', 'OIDC_IDNR_CLAIM', 'OIDC_SCOPES', 'OIDC_PROVIDER_NAME'] as const;

/**
 * CITIZEN_SIGN_IN=oidc needs the provider, the client and what to accept; an incomplete set stops the start, and
 * OIDC variables without it are refused rather than silently ignored. Production also wants HTTPS and a fixed
 * redirect URI (never one derived from a request's Host header).
 */
function oidcFromEnv(env: Env, citizenSignIn: Config['citizenSignIn'], mode: Config['mode']): OidcConfig | null {
  if (citizenSignIn !== 'oidc') {
    const stray = OIDC_VARIABLES.find((name) => env[name] !== undefined);
    if (stray) throw new ConfigError(`invalid ${stray}: it is read only with CITIZEN_SIGN_IN=oidc`);
    return null;
  }
  const missing = (name: string, what: string) => new ConfigError(`invalid ${name}: CITIZEN_SIGN_IN=oidc needs ${what}`);
  if (!env.OIDC_ISSUER) throw missing('OIDC_ISSUER', "the OpenID Provider's issuer URL");
  if (!env.OIDC_CLIENT_ID) throw missing('OIDC_CLIENT_ID', "this broker's client id at the provider");
  if (env.OIDC_CLIENT_SECRET !== undefined && env.OIDC_CLIENT_SECRET_FILE !== undefined) throw new ConfigError('invalid OIDC_CLIENT_SECRET_FILE: give OIDC_CLIENT_SECRET or OIDC_CLIENT_SECRET_FILE, not both');
  const clientSecret = env.OIDC_CLIENT_SECRET !== undefined ? { value: env.OIDC_CLIENT_SECRET } : env.OIDC_CLIENT_SECRET_FILE !== undefined ? { file: env.OIDC_CLIENT_SECRET_FILE } : null;
  if (!clientSecret) throw missing('OIDC_CLIENT_SECRET', 'the client secret (or OIDC_CLIENT_SECRET_FILE)');
  if (!env.OIDC_ACR_VALUES) throw missing('OIDC_ACR_VALUES', 'the accepted levels of assurance, e.g. "http://eidas.europa.eu/LoA/substantial http://eidas.europa.eu/LoA/high"');
  if (!env.OIDC_IDNR_CLAIM) throw missing('OIDC_IDNR_CLAIM', 'the name of the claim that carries the IdNr');
  if (env.OIDC_REDIRECT_URI !== undefined && new URL(env.OIDC_REDIRECT_URI).pathname !== '/cockpit/sign-in/callback') {
    throw new ConfigError('invalid OIDC_REDIRECT_URI: its path must be /cockpit/sign-in/callback');
  }
  if (mode === 'production') {
    if (new URL(env.OIDC_ISSUER).protocol !== 'https:') throw new ConfigError('invalid OIDC_ISSUER: production mode talks to the provider over HTTPS only');
    if (env.OIDC_REDIRECT_URI === undefined) throw missing('OIDC_REDIRECT_URI', 'in production mode the registered redirect URI (https://…/cockpit/sign-in/callback)');
    if (new URL(env.OIDC_REDIRECT_URI).protocol !== 'https:') throw new ConfigError('invalid OIDC_REDIRECT_URI: production mode needs an https:// redirect URI');
  }
  return {
    issuer: env.OIDC_ISSUER,
    clientId: env.OIDC_CLIENT_ID,
    clientSecret,
    redirectUri: env.OIDC_REDIRECT_URI ?? null,
    acrValues: [...new Set(env.OIDC_ACR_VALUES.split(/[\s,]+/).filter(Boolean))],
    idNrClaim: env.OIDC_IDNR_CLAIM,
    scopes: env.OIDC_SCOPES ?? 'openid',
    providerName: env.OIDC_PROVIDER_NAME ?? new URL(env.OIDC_ISSUER).hostname,
  };
}

function isProblemBase(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/**
 * The problem pages on this broker as HOST and PORT name it: right for the demo and a single host; behind a
 * proxy or load balancer PROBLEM_BASE_URL names the public address. A wildcard HOST is reached as localhost.
 */
function ownProblemBase(https: boolean, host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `${https ? 'https' : 'http'}://${name}:${port}/problems/`;
}

/** WITNESS_KEYS: cosigner verifier keys separated by commas or spaces; each must parse as a cosignature/v1 key. */
function witnessKeysFromEnv(value: string | undefined): string[] {
  const keys = (value ?? '').split(/[\s,]+/).filter(Boolean);
  for (const key of keys) {
    try {
      if (parseVerifierKey(key).type !== 'cosignature/v1') throw new Error('not a cosigner key (type 0x04, cosignature/v1)');
    } catch (err) {
      throw new ConfigError(`invalid WITNESS_KEYS: ${JSON.stringify(key.slice(0, 60))}: ${(err as Error).message}`);
    }
  }
  if (new Set(keys.map((k) => k.split('+').slice(0, 2).join('+'))).size !== keys.length) throw new ConfigError('invalid WITNESS_KEYS: a witness key name and ID appear twice');
  return keys;
}

/** Whether a listening address is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The broker's client identity towards registers: certificate and key go together; a CA file alone adds trust anchors. */
function registerClientTlsFromEnv(env: Env): Config['registerClientTls'] {
  const { REGISTER_CLIENT_CERT_FILE: certFile, REGISTER_CLIENT_KEY_FILE: keyFile, REGISTER_CA_FILE: caFile } = env;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError(`invalid ${certFile === undefined ? 'REGISTER_CLIENT_CERT_FILE' : 'REGISTER_CLIENT_KEY_FILE'}: REGISTER_CLIENT_CERT_FILE and REGISTER_CLIENT_KEY_FILE go together`);
  }
  if (certFile === undefined || keyFile === undefined) {
    if (caFile !== undefined) throw new ConfigError('invalid REGISTER_CA_FILE: it goes with REGISTER_CLIENT_CERT_FILE and REGISTER_CLIENT_KEY_FILE');
    return null;
  }
  return { certFile, keyFile, caFile: caFile ?? null };
}

/** Each identity's two variables go together; no RSA identity means the sandbox key set (start-up refuses that in production). */
function signingFromEnv(env: Env): RegisterSigning {
  const pair = (which: keyof typeof SIGNING_VARIABLES) => {
    const names = SIGNING_VARIABLES[which];
    const key = env[names.key];
    const certificate = env[names.certificate];
    if ((key === undefined) !== (certificate === undefined)) throw new ConfigError(`invalid ${key === undefined ? names.key : names.certificate}: ${names.key} and ${names.certificate} go together`);
    return key === undefined || certificate === undefined ? null : { key: { file: key }, certificate: { file: certificate } };
  };
  const rsa = pair('rsa');
  const ecdsa = pair('ecdsa');
  if (rsa === null) {
    if (ecdsa !== null) throw new ConfigError(`invalid ${SIGNING_VARIABLES.rsa.key}: the RSA identity is needed beside the ECDSA one`);
    return 'sandbox';
  }
  return { rsa, ecdsa };
}

/** Register signing from PEMs in memory (demo, tests). */
export function registerSigningWith(rsa: { keyPem: string; certPem: string }, ecdsa: { keyPem: string; certPem: string } | null = null): RegisterSigning {
  const pems = (i: { keyPem: string; certPem: string }) => ({ key: { pem: i.keyPem }, certificate: { pem: i.certPem } });
  return { rsa: pems(rsa), ecdsa: ecdsa === null ? null : pems(ecdsa) };
}
