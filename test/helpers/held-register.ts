// A register instance whose answers wait until the test lets them go: a small proxy in front of a simulator
// instance, written into the broker's directory in the instance's place. A test that needs "a call in flight"
// holds one there for as long as it takes to look, instead of guessing a latency that outlasts a slow machine.
// Calls pass through unchanged (signed XML, X-Request-Id), so the broker checks the simulator's real answer.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sandboxDirectoryEntries } from '../../broker/directory/sandbox-directory.ts';
import type { AdmissionGate } from '../../broker/evidence/admission.ts';
import type { EvidenceServiceDeps } from '../../broker/evidence/pipeline.ts';
import type { Harness } from './harness.ts';
import { until } from './until.ts';

/** A register instance whose calls are held until released. */
export interface HeldRegister {
  /** Calls that reached it since it was put in place (held or let through). */
  readonly arrived: number;
  /** Calls held right now. */
  readonly held: number;
  /** Resolves once `n` calls have arrived (bounded). */
  arrivals(n: number): Promise<void>;
  /** Lets every held call through, and every later one at once. */
  release(): void;
  /** Puts the simulator's own endpoint back in the directory and stops the proxy (held calls are let through first). */
  close(): Promise<void>;
}

/** Puts a holding proxy in front of the harness's simulator instance `instanceId` (e.g. `drv-rvbea`, salary's first). */
export async function holdRegister(h: Harness, instanceId: string): Promise<HeldRegister> {
  const instance = h.sims.instances.find((i) => i.id === instanceId);
  if (!instance) throw new Error(`no simulator instance ${instanceId}; there are ${h.sims.instances.map((i) => i.id).join(', ')}`);
  let arrived = 0;
  let held = 0;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let released = false;

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      arrived += 1;
      if (!released) {
        held += 1;
        await gate;
        held -= 1;
      }
      if (req.socket.destroyed) return; // the broker gave up on the call meanwhile
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'accept', 'x-request-id']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const answer = await fetch(instance.url, { method: req.method ?? 'POST', headers, body: new Uint8Array(body) });
      const answerHeaders: Record<string, string> = {};
      for (const name of ['content-type', 'x-request-id']) {
        const value = answer.headers.get(name);
        if (value !== null) answerHeaders[name] = value;
      }
      res.writeHead(answer.status, answerHeaders).end(Buffer.from(await answer.arrayBuffer()));
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${instanceId}`;

  const point = async (url: string) => {
    await h.broker.ctx.registers.import(sandboxDirectoryEntries([{ ...instance, url }], new Date()));
    await h.broker.ctx.directory.refresh();
  };
  await point(proxyUrl);

  const release = () => {
    released = true;
    open();
  };
  return {
    get arrived() {
      return arrived;
    },
    get held() {
      return held;
    },
    arrivals: (n) => until(`${n} call(s) at ${instanceId}`, () => arrived >= n),
    release,
    async close() {
      release();
      await point(instance.url);
      const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      server.closeAllConnections();
      await closed;
    },
  };
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/**
 * The broker's admission gate, to read how many requests wait and how many a register holds. NOTE: it is a
 * private of the evidence service (nothing public shows the queue); reached here only to observe, and checked
 * so that a rename fails loudly instead of passing.
 */
export function admissionGate(h: Harness): AdmissionGate {
  const gate = (h.broker.ctx.evidence as unknown as { deps?: Partial<EvidenceServiceDeps> }).deps?.admission;
  if (gate === undefined || typeof gate.admittedTo !== 'function' || typeof gate.waiting !== 'number') throw new Error('the evidence service has no admission gate at deps.admission any more');
  return gate;
}
