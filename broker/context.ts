// One context object for the whole broker (no DI container): built once from the config, handed to every
// route. Tests pass overrides (adapters pointing at simulators, a fixed clock, a database URL).
import type { Logger } from 'pino';
import { createSignaturePool } from '../adapters/signature-pool.ts';
import { ConsentLedger } from '../consent/consent-ledger.ts';
import type { ConsentStore } from '../consent/consent-store.ts';
import { PrismaConsentStore } from '../consent/prisma-consent-store.ts';
import { AuditLog, citizenTagKey } from './audit/audit-log.ts';
import { ParticipantStore, TokenStore } from './identity/auth/token-store.ts';
import { CertificateStore } from './directory/certificate-store.ts';
import type { Config } from './config/config.ts';
import { openDatabase, type Database } from './db/database.ts';
import { EvidenceService } from './evidence/evidence-service.ts';
import { RegisterClients } from './directory/register-clients.ts';
import { RegisterDirectory } from './directory/register-directory.ts';
import { RegisterStore } from './directory/register-store.ts';
import { SqlEvidenceRequestStore } from './evidence/sql-evidence-request-store.ts';
import { AdmissionGate } from './evidence/admission.ts';
import { DEFAULT_POLICY_SETTINGS, createRegisterPolicies } from './evidence/register-policy.ts';
import { loadBrokerSigning, loadDataKey, loadRegisterClientTls, loadSigningKey } from './config/secrets.ts';
import { CheckpointService } from './audit/checkpoints.ts';
import { TreeHeadSigner } from './audit/tree-heads.ts';
import { KeptLeaves, keptLeavesFileOf } from './audit/kept-leaves.ts';
import { CosignatureStore } from './audit/cosignatures.ts';
import { ChainVerificationThread } from './audit/verification-thread.ts';
import { createLogger } from './ops/logger.ts';
import { createMetrics, type BrokerMetrics } from './ops/metrics.ts';
import type { CitizenIdentityProvider } from './identity/citizen-identity.ts';
import { loadClientSecret, OidcCitizenIdentity } from './identity/oidc/oidc-citizen-identity.ts';
import { createPageServices, type PageServices } from './pages/services.ts';

/** Everything a route may use. */
export interface Context {
  cfg: Config;
  database: Database;
  log: Logger;
  clock: () => Date;
  /** The register directory in the database (changes raise its version). */
  registers: RegisterStore;
  /** This process's copy of the directory, which routing reads; `refresh()` after a change made here. */
  directory: RegisterDirectory;
  tokens: TokenStore;
  certificates: CertificateStore;
  participants: ParticipantStore;
  consentStore: ConsentStore;
  consents: ConsentLedger;
  audit: AuditLog;
  checkpoints: CheckpointService;
  /** Signed tree heads (C2SP checkpoints) of the audit Merkle tree; refuses to sign a rewritten history. */
  treeHeads: TreeHeadSigner;
  /** Witnesses' cosignatures on the signed heads, from the configured witness keys only. */
  cosignatures: CosignatureStore;
  /** GET /v1/audit/verify's recomputation: in a worker thread, one at a time. */
  chainVerification: ChainVerificationThread;
  evidence: EvidenceService;
  metrics: BrokerMetrics;
  /** Sessions, clerk accounts and citizen sign-in of the web pages. */
  pages: PageServices;
  close(): Promise<void>;
}

/** Parts a test or tool may replace. */
export interface ContextOverrides {
  clock?: () => Date;
  log?: Logger;
  /** How citizens sign in to the cockpit (a real eID/BundID provider); default from cfg.citizenSignIn. */
  citizenIdentity?: CitizenIdentityProvider | null;
}

export async function createContext(cfg: Config, overrides: ContextOverrides = {}): Promise<Context> {
  const log = overrides.log ?? createLogger(cfg.logLevel);
  const dataKey = loadDataKey(cfg.dataKey);
  const signingKey = loadSigningKey(cfg.auditSigningKey);
  const brokerSigning = loadBrokerSigning(cfg);
  const mutualTls = loadRegisterClientTls(cfg);
  // CITIZEN_SIGN_IN=oidc: the OpenID Provider; its client secret loads (and fails) here, at start-up.
  const citizenIdentity = overrides.citizenIdentity !== undefined ? overrides.citizenIdentity : cfg.oidc ? new OidcCitizenIdentity(cfg.oidc, loadClientSecret(cfg.oidc.clientSecret)) : undefined;
  const clock = overrides.clock ?? (() => new Date());
  const database = await openDatabase(cfg.databaseUrl, { poolSize: cfg.databasePoolSize });
  if (database.migrationsApplied.length > 0) log.info({ migrations: database.migrationsApplied }, 'migrations applied');
  const db = database.prisma;
  const registers = new RegisterStore(db, clock);
  const directory = new RegisterDirectory(registers, clock, log, cfg.mode === 'production');
  await directory.start(cfg.directoryRefreshMs);
  if (directory.list().length === 0 && !cfg.demo) log.warn('the register directory is empty: every item ends NO_RESPONSIBLE_REGISTER until registers are added (npm run admin -- registers add)');
  const signaturePool = createSignaturePool(cfg.signingThreads);
  const clients = new RegisterClients(directory, { sender: cfg.brokerId, clock, signing: brokerSigning, signatureOperation: signaturePool, mutualTls });
  if (mutualTls === null && directory.list().some((i) => i.mutualTls)) {
    log.error('registers in the directory ask for mutual TLS, but no client certificate is configured (REGISTER_CLIENT_CERT_FILE, REGISTER_CLIENT_KEY_FILE): their items end unavailable');
  }
  // The last signed head and every signed leaf are kept beside the signing key when it is a file.
  const keyFile = 'file' in cfg.auditSigningKey ? cfg.auditSigningKey.file : null;
  const keptLeaves = keyFile === null ? null : new KeptLeaves(keptLeavesFileOf(keyFile));
  const audit = new AuditLog(database, cfg.auditRetentionDays, clock, citizenTagKey(dataKey), keptLeaves);
  // Entries written before the Merkle tree existed join it now, before anything is served.
  const addedToTree = await audit.catchUpTree();
  if (addedToTree > 0) log.info({ entries: addedToTree }, 'audit entries added to the Merkle tree');
  // Entries written before citizen tags existed get theirs, so the cockpit shows them even if their details go missing.
  const tagged = await audit.tagUntaggedEntries();
  if (tagged > 0) log.info({ entries: tagged }, 'audit entries tagged with their citizen');
  const consentStore = new PrismaConsentStore(db);
  const chainVerification = new ChainVerificationThread(database.target, () => audit.verify(), cfg.auditRetentionDays, clock, keptLeaves?.file ?? null);
  const metrics = createMetrics(async () => (await db.auditHead.findUniqueOrThrow({ where: { id: 1 } })).seq);
  const treeHeads = new TreeHeadSigner(db, audit, signingKey, clock, {
    origin: `${cfg.brokerId}/audit-log`,
    file: keyFile === null ? null : `${keyFile}.tree-head`,
    keptLeaves,
    log,
    onTamper: () => metrics.auditTamper.set(1),
  });
  return {
    cfg,
    database,
    log,
    clock,
    registers,
    directory,
    tokens: new TokenStore(db, clock),
    certificates: new CertificateStore(db, clock),
    participants: new ParticipantStore(db),
    consentStore,
    consents: new ConsentLedger(db, consentStore, audit, clock),
    audit,
    checkpoints: new CheckpointService(db, signingKey, clock),
    treeHeads,
    cosignatures: new CosignatureStore(db, treeHeads, cfg.witnessKeys, clock),
    chainVerification,
    evidence: new EvidenceService({
      requests: new SqlEvidenceRequestStore(db),
      directory,
      clients,
      // A queue as long as the calls in flight: REGISTER_MAX_IN_FLIGHT bounds both.
      policies: createRegisterPolicies({ ...DEFAULT_POLICY_SETTINGS, maxInFlight: cfg.registerMaxInFlight, queue: cfg.registerMaxInFlight }, metrics.registerCircuit),
      // NOTE: admit as many requests per register as it may have calls in flight, not in flight plus queued: queued
      // calls burn their time budget, so under overload every call timed out and the circuits opened. The bulkhead
      // queue stays for calls outside the gate (polls, resumed requests); waiters are cheap, MAX_IN_FLIGHT bounds them.
      admission: new AdmissionGate({ capacity: cfg.registerMaxInFlight, maxWaiting: cfg.maxInFlight, waitMs: cfg.admissionWaitMs }, metrics.admissionWait),
      consents: consentStore,
      audit,
      clock,
      registerTimeoutMs: cfg.registerTimeoutMs,
      log,
      metrics,
      dataKey,
      resultRetentionHours: cfg.resultRetentionHours,
    }),
    metrics,
    pages: createPageServices({ db, cfg, clock, log, dataKey, citizenIdentity }),
    close: async () => {
      directory.stop();
      await signaturePool.close();
      await mutualTls?.close();
      await chainVerification.close();
      await database.close();
    },
  };
}
