// The HTTP side every register simulator shares: one XML endpoint, switchable latency and faults (/_control),
// a request counter, clean shutdown. Fault 'raw' sends bytes exactly as given (e.g. test/xml/corpus/), so
// the broker's answer parsing can be tried on hostile documents.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { RegisterId } from './contract.ts';
import { REQUEST_ID, REQUEST_ID_HEADER } from './http-transport.ts';
import { SignatureError } from './signature-profile.ts';
import { sandboxRegisterIdentity } from './sandbox-trust.ts';
import type { SigningIdentity } from './signing-keys.ts';
import { XML_LIMITS, XmlMessageError } from './xml.ts';
import { compileDefinedSchemas } from './xml-schemas.ts';

export const SIMULATOR_FAULTS = [
  'none',
  'http-500',
  'malformed-xml',
  'reset',
  'wrong-citizen',
  'pending',
  'negative-amount',
  'outside-period',
  'raw',
] as const;
/** How the simulator misbehaves: transport faults are played here, content faults by the register's handler. */
export type SimulatorFault = (typeof SIMULATOR_FAULTS)[number];
/** The faults a register's message handling has to play itself. */
export type MessageFault = Extract<SimulatorFault, 'none' | 'wrong-citizen' | 'pending' | 'negative-amount' | 'outside-period'>;
const MESSAGE_FAULTS: readonly SimulatorFault[] = ['wrong-citizen', 'pending', 'negative-amount', 'outside-period'] satisfies MessageFault[];

/** The switchable behaviour of a simulator. */
export interface SimulatorBehaviour {
  latencyMs: number;
  fault: SimulatorFault;
  /** With fault 'raw': the exact bytes answered as application/xml (e.g. a document of the hostile-XML corpus). */
  rawBody?: Uint8Array;
}
/** A change of behaviour; a raw body may be given as text. */
export type BehaviourChange = Partial<Omit<SimulatorBehaviour, 'rawBody'>> & { rawBody?: Uint8Array | string };

const MAX_RAW_BODY_BYTES = 2 * 1024 * 1024;
const CONTROL_BODY_LIMIT = 4 * MAX_RAW_BODY_BYTES;

/** What POST /_control takes: any of latencyMs, fault, and a raw body as text or base64 (for invalid UTF-8). */
const ControlChange = z
  .strictObject({
    latencyMs: z.number().int().min(0).max(120_000).optional(),
    fault: z.enum(SIMULATOR_FAULTS).optional(),
    rawBody: z.string().optional(),
    rawBodyBase64: z.base64().optional(),
  })
  .refine((c) => c.rawBody === undefined || c.rawBodyBase64 === undefined, 'give rawBody or rawBodyBase64, not both')
  .transform(({ rawBodyBase64, ...change }): BehaviourChange =>
    rawBodyBase64 === undefined ? change : { ...change, rawBody: Buffer.from(rawBodyBase64, 'base64') },
  );

const NORMAL: SimulatorBehaviour = { latencyMs: 0, fault: 'none' };

const asBytes = (body: Uint8Array | string): Uint8Array => (typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body));

/** Applies a change, or throws with a message fit for a sandbox user; the behaviour stays as it was. */
function changed(current: SimulatorBehaviour, change: BehaviourChange): SimulatorBehaviour {
  const next: SimulatorBehaviour = { ...current, ...change, rawBody: change.rawBody === undefined ? current.rawBody : asBytes(change.rawBody) };
  if (!Number.isInteger(next.latencyMs) || next.latencyMs < 0 || next.latencyMs > 120_000) throw new RangeError('latencyMs must be 0 … 120000');
  if (!SIMULATOR_FAULTS.includes(next.fault)) throw new RangeError(`fault must be one of ${SIMULATOR_FAULTS.join(', ')}`);
  if (next.rawBody !== undefined && next.rawBody.byteLength > MAX_RAW_BODY_BYTES) throw new RangeError(`rawBody exceeds ${MAX_RAW_BODY_BYTES} bytes`);
  if (next.fault === 'raw' && next.rawBody === undefined) throw new RangeError("fault 'raw' needs a rawBody");
  if (next.rawBody === undefined) delete next.rawBody;
  return next;
}

/** A register instance's message handling: request XML in, answer XML out. */
export interface RegisterMessageHandler {
  /**
   * Throws XmlMessageError for a request it will not read (hostile, malformed, wrong shape): answered 400;
   * SignatureError for one that is unsigned or not signed by the broker it pins: answered 401.
   */
  answer(requestXml: string, fault: MessageFault): string;
  /** Forgets state such as issued tickets. */
  reset?(): void;
  /** Signs the answers from now on with another key (a key rollover). */
  setSigning?(identity: SigningIdentity): void;
}

/** A register instance the sandbox runs for an evidence type (its descriptor's sandboxInstances), with its own key. */
export interface SandboxInstance {
  id: string;
  name: string;
  /** The jurisdiction's values (none for a national register). */
  values: readonly string[];
  profile: 'rsa-pss-sha256' | 'ecdsa-p256-sha256';
}

/** One register instance a simulator serves, at the path `/<id>`, with its own key. */
export interface SimulatedInstance {
  instance: SandboxInstance;
  signing: SigningIdentity;
}

/** What a simulator serves: instances with a handler each, or one handler answering as the register family itself (tests). */
export type SimulatorInstances = { instances: readonly SimulatedInstance[]; handlerFor(served: SimulatedInstance): RegisterMessageHandler } | { handler: RegisterMessageHandler };

export type RegisterSimulatorOptions = SimulatorInstances & {
  /** The register family (its message types); each instance answers under its own id. */
  register: RegisterId;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1; a public sandbox binds another address on purpose. */
  host?: string;
};

/** What starting one register's simulator takes (adapters/<register>/simulator.ts). */
export interface SimulatorStartOptions {
  port?: number;
  host?: string;
  /** The register's notion of today (which months are settled, which years assessed). */
  clock?: () => Date;
  /** The instances to serve, each with its key and certificate; default: one named like the register family, with its sandbox key. */
  instances?: readonly SimulatedInstance[];
  /** The broker's signing certificates (one per crypto profile), pinned for queries; default: the sandbox broker's RSA one. */
  brokerCertificates?: readonly string[];
}

/** One instance named like the register family with its sandbox key: what a simulator started alone serves. */
export function familyInstance(register: RegisterId): SimulatedInstance {
  return { instance: { id: register, name: register, values: [], profile: 'rsa-pss-sha256' }, signing: sandboxRegisterIdentity(register) };
}

/** A running simulator, as tests and the sandbox CLI see it. */
export interface SimulatorHandle {
  readonly register: RegisterId;
  /** The server's address; each instance answers at `${url}/${id}` (the first also at `${url}/`). */
  readonly url: string;
  /** Each instance's endpoint. */
  readonly instances: readonly { id: string; url: string }[];
  /** Signs one instance's answers with another key from now on (a key rollover); throws for an unknown instance. */
  setSigning(instanceId: string, identity: SigningIdentity): void;
  readonly port: number;
  /** Register requests received since start or the last reset (the control endpoint is not counted). */
  readonly calls: number;
  readonly behaviour: SimulatorBehaviour;
  /** Throws RangeError for an impossible behaviour (and keeps the current one). */
  setBehaviour(change: BehaviourChange): void;
  /** Back to normal behaviour, zero calls, no tickets. */
  reset(): void;
  /** Stops listening and drops open (also keep-alive) connections. */
  close(): Promise<void>;
}

const CONTROL_PATH = '/_control';
const XML_REQUEST = /^(application|text)\/xml\s*(;|$)/i;

export async function startRegisterSimulator(opts: RegisterSimulatorOptions): Promise<SimulatorHandle> {
  // The schemas compiled now, not inside the first query the broker times.
  compileDefinedSchemas();
  let behaviour: SimulatorBehaviour = { ...NORMAL };
  let calls = 0;
  // Aborts pending latency waits, so close() never waits for a slow simulated answer.
  const closing = new AbortController();

  const setBehaviour = (change: BehaviourChange) => {
    behaviour = changed(behaviour, change);
  };

  const served = 'handler' in opts ? [familyInstance(opts.register)] : opts.instances;
  const handlers = new Map(served.map((s) => [s.instance.id, 'handler' in opts ? opts.handler : opts.handlerFor(s)]));
  if (handlers.size === 0) throw new Error('a simulator serves at least one instance');

  async function serveRegister(handler: RegisterMessageHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Echoed on every answer (a well-formed one only: it goes into our logs and headers).
    const requestId = req.headers[REQUEST_ID_HEADER];
    if (typeof requestId === 'string' && REQUEST_ID.test(requestId)) res.setHeader(REQUEST_ID_HEADER, requestId);
    if (req.method !== 'POST') return sendText(res, 405, 'only POST is answered here', { allow: 'POST' });
    calls += 1;
    const current = behaviour;
    if (!XML_REQUEST.test(req.headers['content-type'] ?? '')) return sendText(res, 415, 'send application/xml');
    const bytes = await readBody(req, XML_LIMITS.maxBytes);
    if (bytes === null) return sendText(res, 413, `request exceeds ${XML_LIMITS.maxBytes} bytes`);
    let body: string;
    try {
      body = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return sendText(res, 400, 'request refused: the document is not valid UTF-8');
    }

    // The request is always checked, whatever the fault: hostile XML gets a 400 and a query the broker did
    // not sign a 401, in every mode.
    let answer: string;
    try {
      const messageFault = (MESSAGE_FAULTS.includes(current.fault) ? current.fault : 'none') as MessageFault;
      answer = handler.answer(body, messageFault);
    } catch (err) {
      if (err instanceof SignatureError) return sendText(res, 401, `request refused: ${err.message}`, { 'www-authenticate': 'XMLDSig' });
      if (err instanceof XmlMessageError) return sendText(res, 400, `request refused: ${err.message}`);
      throw err;
    }

    if (current.latencyMs > 0 && !(await waitOrGiveUp(current.latencyMs, res))) return;
    switch (current.fault) {
      case 'reset':
        req.socket.destroy();
        return;
      case 'http-500':
        return sendText(res, 500, 'simulated register failure');
      case 'malformed-xml':
        // Cut mid-document, the way a dropped proxy or a full disk truncates an answer.
        return sendXml(res, answer.slice(0, Math.floor(answer.length / 2)));
      case 'raw':
        return sendXml(res, current.rawBody ?? '');
      default:
        return sendXml(res, answer);
    }
  }

  async function serveControl(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'POST') {
      const body = await readBody(req, CONTROL_BODY_LIMIT);
      if (body === null) return sendJson(res, 413, { error: `control body exceeds ${CONTROL_BODY_LIMIT} bytes` });
      let change: unknown;
      try {
        change = JSON.parse(body.toString('utf8'));
      } catch {
        return sendJson(res, 400, { error: 'body must be JSON like {"latencyMs": 0, "fault": "none"}' });
      }
      const parsed = ControlChange.safeParse(change);
      if (!parsed.success) {
        return sendJson(res, 400, { error: 'invalid behaviour', faults: SIMULATOR_FAULTS, issues: parsed.error.issues.map((i) => i.message) });
      }
      try {
        setBehaviour(parsed.data);
      } catch (err) {
        if (!(err instanceof RangeError)) throw err;
        return sendJson(res, 400, { error: 'invalid behaviour', faults: SIMULATOR_FAULTS, issues: [err.message] });
      }
    } else if (req.method !== 'GET') {
      return sendText(res, 405, 'GET or POST', { allow: 'GET, POST' });
    }
    const { rawBody, ...shown } = behaviour;
    sendJson(res, 200, { register: opts.register, ...shown, calls, ...(rawBody ? { rawBodyBytes: rawBody.byteLength } : {}) });
  }

  async function waitOrGiveUp(ms: number, res: ServerResponse): Promise<boolean> {
    const gone = new AbortController();
    const onClose = () => gone.abort();
    res.once('close', onClose);
    try {
      await sleep(ms, undefined, { signal: AbortSignal.any([gone.signal, closing.signal]) });
      return true;
    } catch {
      return false; // the client gave up or the simulator is closing: nobody is waiting for the answer
    } finally {
      res.off('close', onClose);
    }
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://simulator').pathname;
    const handler = path === '/' ? handlers.get(served[0]!.instance.id) : handlers.get(path.slice(1));
    const route = path === CONTROL_PATH ? serveControl : handler ? (q: IncomingMessage, r: ServerResponse) => serveRegister(handler, q, r) : null;
    if (route === null) return sendText(res, 404, `unknown path; POST register messages to /<instance>: ${[...handlers.keys()].join(', ')}`);
    route(req, res).catch(() => {
      // Never echo the cause: it may quote the request.
      if (!res.headersSent) sendText(res, 500, 'simulator error');
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostInUrl = address.address.includes(':') ? `[${address.address}]` : address.address;

  const url = `http://${hostInUrl}:${address.port}`;
  return {
    register: opts.register,
    url,
    instances: served.map((s) => ({ id: s.instance.id, url: `${url}/${s.instance.id}` })),
    setSigning(instanceId, identity) {
      const handler = handlers.get(instanceId);
      if (!handler?.setSigning) throw new RangeError(`no instance ${instanceId} here`);
      handler.setSigning(identity);
    },
    port: address.port,
    get calls() {
      return calls;
    },
    get behaviour(): SimulatorBehaviour {
      return { ...behaviour };
    },
    setBehaviour,
    reset() {
      behaviour = { ...NORMAL };
      calls = 0;
      for (const handler of handlers.values()) handler.reset?.();
    },
    async close() {
      closing.abort();
      const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Reads the body, or null when it exceeds the cap. */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let total = 0;
  // Read to the end even past the cap (keeping nothing), so the client still gets its 413 and not a reset.
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total <= maxBytes) chunks.push(chunk);
  }
  return total > maxBytes ? null : Buffer.concat(chunks);
}

function sendXml(res: ServerResponse, xml: string | Uint8Array): void {
  res.writeHead(200, { 'content-type': 'application/xml; charset=utf-8' }).end(xml);
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(text);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
