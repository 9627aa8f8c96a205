// What the adapter tests share: a register request, a fixed "today", and the three registers side by
// side so that scenarios common to all of them are written once.
import { EVIDENCE_TYPE_LIST, type EvidenceType } from '../../adapters/index.ts';
import { reasonPrefix, RegisterError, type RegisterAdapter, type RegisterErrorKind, type RegisterRequest } from '../../adapters/contract.ts';
import type { MessageFamily } from '../../adapters/register-envelope.ts';
import { startRegisterSimulator, type SimulatorHandle, type SimulatorStartOptions } from '../../adapters/simulator-server.ts';
import { createRegisterResponder, type RegisterLookup } from '../../adapters/simulator-responder.ts';
import type { RegisterAdapterConfig } from '../../adapters/register-exchange.ts';
import { sandboxRegisterIdentity, sandboxTrust } from '../../adapters/sandbox-trust.ts';
import type { SigningIdentity } from '../../adapters/signing-keys.ts';
import { signEnvelope } from '../../adapters/signing.ts';

export const SENDER = 'evidence-broker-test';
/** "Today" for simulators and adapters, so which months are settled and which years assessed is fixed. */
export const TODAY = new Date('2026-06-15T10:00:00Z');
export const clock = () => TODAY;

export function registerRequest(idNr: string, overrides: Partial<RegisterRequest> = {}): RegisterRequest {
  return {
    requestId: 'a3c1f1e2-0000-4000-8000-000000000001',
    idNr,
    purpose: 'elterngeld',
    requester: 'elterngeldstelle-musterstadt',
    period: { from: '2025-01', to: '2025-12' },
    ...overrides,
  };
}

/**
 * A generous deadline for calls that should succeed. The sandbox keys (seconds to make, once per process) are
 * made first: their making must not count against the call's deadline.
 */
export const inTime = () => {
  for (const t of EVIDENCE_TYPE_LIST) sandboxRegisterIdentity(t.register.id);
  return AbortSignal.timeout(5000);
};

/** One register, everything a scenario needs to talk to it. */
export interface RegisterUnderTest<T extends EvidenceType = EvidenceType> {
  type: T;
  /** Prefix of its error codes, e.g. 'MATERNITY_BENEFIT'. */
  codePrefix: string;
  start(opts?: SimulatorStartOptions): Promise<SimulatorHandle>;
  adapter(cfg: RegisterAdapterConfig): RegisterAdapter<T>;
  messages: MessageFamily<unknown, unknown>;
  notInRegister: readonly string[];
}

/** Every evidence type's register, from the descriptor list. */
export const REGISTERS: readonly RegisterUnderTest[] = EVIDENCE_TYPE_LIST.map((t) => ({
  type: t.code,
  codePrefix: reasonPrefix(t.code),
  start: (opts?: SimulatorStartOptions) => t.startSimulator(opts ?? {}),
  adapter: (cfg: RegisterAdapterConfig) => t.createAdapter(cfg) as RegisterAdapter<EvidenceType>,
  messages: t.messages as MessageFamily<unknown, unknown>,
  notInRegister: t.sandboxNotFound,
}));

/** A register that answers in its own message family but with records of the test's choosing (a liar). */
export function startRegisterWithRecords<S, P>(messages: MessageFamily<S, P>, lookup: RegisterLookup<S, P>): Promise<SimulatorHandle> {
  const handler = createRegisterResponder(messages, lookup, {
    clock,
    instanceId: messages.register,
    signing: sandboxRegisterIdentity(messages.register),
    brokerCertificates: [sandboxTrust().broker.certPem],
  });
  return startRegisterSimulator({ register: messages.register, handler });
}

/** Runs the call and returns the RegisterError it must fail with. */
export async function failureOf(call: Promise<unknown>): Promise<RegisterError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof RegisterError) return err;
    throw err;
  }
  throw new Error('expected the call to fail with a RegisterError, but it succeeded');
}

export function codeOf(register: RegisterUnderTest, kind: RegisterErrorKind): string {
  return `${register.codePrefix}_${kind}`;
}

/** An envelope without its signature (what an attacker on the way, or a careless sender, would send). */
export function withoutSignature(xml: string): string {
  return xml.replace(/<ds:Signature\b[\s\S]*<\/ds:Signature>/, '');
}

/**
 * The envelope signed afresh after a test bent it — as the register itself would sign a lie, so the
 * refusal under test is the content's, not the signature's. Default signer: the register's sandbox key.
 */
export function resigned(xml: string, register: MessageFamily<unknown, unknown>['register'], signer: SigningIdentity = sandboxRegisterIdentity(register)): string {
  return signEnvelope(withoutSignature(xml), signer);
}
