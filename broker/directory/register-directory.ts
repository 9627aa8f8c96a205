// The register directory as the evidence path reads it: an in-memory copy, reloaded whenever the database's
// directory version moves (a CLI change on any machine), checked every DIRECTORY_REFRESH_MS. Routing reads
// the copy only, so no request waits for the database to find its registers.
import type { Logger } from 'pino';
import type { EvidenceType } from '../../adapters/index.ts';
import { certificateStatus, jurisdictionKeys, type RegisterInstance } from './register-instance.ts';
import type { RegisterStore } from './register-store.ts';
import type { RoutingTable } from './routing.ts';

interface Loaded {
  version: number;
  byId: Map<string, RegisterInstance>;
  byKey: Map<string, RegisterInstance>;
}

const EMPTY: Loaded = { version: -1, byId: new Map(), byKey: new Map() };

export class RegisterDirectory implements RoutingTable {
  private loaded: Loaded = EMPTY;
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly store: RegisterStore,
    private readonly clock: () => Date,
    private readonly log: Logger,
    /** Production calls registers over HTTPS only: an entry with a plain-HTTP endpoint is never routed to. */
    private readonly production = false,
  ) {}

  /** The version of the copy in use. */
  get version(): number {
    return this.loaded.version;
  }

  /** Loads the directory, then checks for changes every `refreshMs`. */
  async start(refreshMs: number): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch((err: unknown) => this.log.warn({ err }, 'register directory not reloaded; the copy in use stays'));
    }, refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Reloads when the database holds a newer version (one reload at a time). */
  refresh(): Promise<void> {
    this.refreshing ??= this.reload().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async reload(): Promise<void> {
    if ((await this.store.version()) === this.loaded.version) return;
    const snapshot = await this.store.load();
    const byId = new Map(snapshot.instances.map((i) => [i.id, i]));
    const byKey = new Map<string, RegisterInstance>();
    for (const instance of snapshot.instances) {
      // NOTE: the messages are signed, not encrypted: over plain HTTP the citizen's data would cross the network in clear.
      if (this.production && !instance.endpointUrl.startsWith('https://')) {
        this.log.error({ register: instance.id }, 'register has a plain-HTTP endpoint: production mode does not call it (set an https:// endpoint)');
        continue;
      }
      for (const key of jurisdictionKeys(instance)) byKey.set(`${instance.evidenceType}|${key}`, instance);
    }
    this.loaded = { version: snapshot.version, byId, byKey };
    this.log.info({ version: snapshot.version, instances: byId.size }, 'register directory loaded');
  }

  responsible(type: EvidenceType, key: string): RegisterInstance | undefined {
    return this.loaded.byKey.get(`${type}|${key}`);
  }

  instance(id: string): RegisterInstance | undefined {
    return this.loaded.byId.get(id);
  }

  list(): RegisterInstance[] {
    return [...this.loaded.byId.values()];
  }

  /** The certificates whose keys an answer of the instance may be signed with now (valid, not retired). */
  pinnedCertificates(id: string): string[] {
    const now = this.clock();
    return (this.loaded.byId.get(id)?.certificates ?? []).filter((c) => certificateStatus(c, now) === 'valid').map((c) => c.pem);
  }
}
