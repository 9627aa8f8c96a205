// The register directory in the database: instances, their jurisdiction keys (one instance per key, held by
// the primary key) and pinned certificates. Every change raises the directory's version in the same
// transaction, which is how every broker process on the database learns to reload it.
import { X509Certificate } from 'node:crypto';
import { checkPinnedCertificate } from '../../adapters/signing-keys.ts';
import type { EvidenceType } from '../../adapters/index.ts';
import type { JurisdictionKind } from '../../adapters/evidence-type.ts';
import type { Db, DbTx } from '../db/database.ts';
import type { Purpose } from '../domain/codes.ts';
import { jurisdictionKeys, NATIONAL_KEY, type InstanceDefinition, type PinnedCertificate, type RegisterInstance } from './register-instance.ts';

/** A directory change refused for a reason the operator can fix (the CLI's exit code 1, with this message). */
export class DirectoryError extends Error {
  override name = 'DirectoryError';
}

/** The directory as one version of it. */
export interface DirectorySnapshot {
  version: number;
  instances: RegisterInstance[];
}

/** The facts of a certificate to pin: checked (RSA ≥ the minimum or EC P-256, valid now), fingerprinted. */
export function pinnedCertificateOf(pem: string, what: string, now: Date): PinnedCertificate {
  try {
    checkPinnedCertificate(pem, what, now);
  } catch (err) {
    throw new DirectoryError(err instanceof Error ? err.message : String(err));
  }
  const cert = new X509Certificate(pem);
  return {
    fingerprint: cert.fingerprint256.replaceAll(':', '').toLowerCase(),
    pem: cert.toString(),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    retiredAt: null,
  };
}

/** An instance to write: its checked definition and the certificates to pin for it. */
export interface InstanceEntry {
  definition: InstanceDefinition;
  certificates: readonly PinnedCertificate[];
}

// NOTE: an import of a whole federation's directory (thousands of AGS keys) is one transaction: give it time.
const LONG_TRANSACTION = { timeout: 120_000 };

export class RegisterStore {
  constructor(
    private readonly db: Db,
    private readonly clock: () => Date,
  ) {}

  /** The directory's version: 0 before its first change. */
  async version(): Promise<number> {
    return (await this.db.registerDirectoryState.findUnique({ where: { id: 1 } }))?.version ?? 0;
  }

  async load(): Promise<DirectorySnapshot> {
    // One transaction, so the version read belongs to the instances read.
    return this.db.$transaction(async (tx) => {
      const version = (await tx.registerDirectoryState.findUnique({ where: { id: 1 } }))?.version ?? 0;
      const rows = await tx.registerInstance.findMany({ include: { jurisdictions: true, certificates: true }, orderBy: [{ evidenceType: 'asc' }, { id: 'asc' }] });
      return {
        version,
        instances: rows.map((r) => ({
          id: r.id,
          evidenceType: r.evidenceType as EvidenceType,
          name: r.name,
          endpointUrl: r.endpointUrl,
          jurisdiction: {
            kind: r.jurisdictionKind as JurisdictionKind,
            values: r.jurisdictions.map((j) => j.value).filter((v) => v !== NATIONAL_KEY).sort(),
          },
          purposes: JSON.parse(r.purposes) as Purpose[],
          participants: r.participants === null ? null : (JSON.parse(r.participants) as string[]),
          enabled: r.enabled,
          mutualTls: r.mutualTls,
          certificates: r.certificates
            .map(({ fingerprint, pem, notBefore, notAfter, retiredAt }) => ({ fingerprint, pem, notBefore, notAfter, retiredAt }))
            .sort((a, b) => a.notBefore.getTime() - b.notBefore.getTime()),
        })),
      };
    });
  }

  /** Adds one instance; refused when its id exists or another instance holds one of its jurisdiction keys. */
  async add(entry: InstanceEntry): Promise<void> {
    await this.change(async (tx, now) => {
      if (await tx.registerInstance.findUnique({ where: { id: entry.definition.id } })) throw new DirectoryError(`register ${entry.definition.id} exists already`);
      await this.write(tx, entry, now);
    });
  }

  /**
   * Adds or replaces every instance of a directory file in one transaction: all or nothing. A replaced
   * instance keeps the certificates it has and gains the file's new ones (retiring is a separate, explicit step).
   */
  async import(
    entries: readonly InstanceEntry[],
    opts: { progress?: (done: number) => void; retireOtherCertificates?: boolean } = {},
  ): Promise<{ added: number; replaced: number }> {
    const ids = new Set<string>();
    for (const e of entries) {
      if (ids.has(e.definition.id)) throw new DirectoryError(`register ${e.definition.id} appears twice in the file`);
      ids.add(e.definition.id);
    }
    return this.change(async (tx, now) => {
      let added = 0;
      let replaced = 0;
      // Free the keys of the instances being replaced first, so that two of them may swap keys within the file.
      const existing = new Set((await tx.registerInstance.findMany({ where: { id: { in: [...ids] } }, select: { id: true } })).map((r) => r.id));
      if (existing.size > 0) await tx.registerJurisdiction.deleteMany({ where: { instanceId: { in: [...existing] } } });
      let done = 0;
      for (const entry of entries) {
        if (existing.has(entry.definition.id)) replaced += 1;
        else added += 1;
        await this.write(tx, entry, now);
        if (opts.retireOtherCertificates) {
          const keep = entry.certificates.map((c) => c.fingerprint);
          await tx.registerCertificate.updateMany({ where: { instanceId: entry.definition.id, retiredAt: null, fingerprint: { notIn: keep } }, data: { retiredAt: now } });
        }
        opts.progress?.((done += 1));
      }
      return { added, replaced };
    });
  }

  async setEnabled(id: string, enabled: boolean): Promise<void> {
    await this.change(async (tx, now) => {
      const { count } = await tx.registerInstance.updateMany({ where: { id }, data: { enabled, updatedAt: now } });
      if (count === 0) throw new DirectoryError(`no register ${id} in the directory`);
    });
  }

  async addCertificate(id: string, cert: PinnedCertificate): Promise<void> {
    await this.change(async (tx, now) => {
      if (!(await tx.registerInstance.findUnique({ where: { id } }))) throw new DirectoryError(`no register ${id} in the directory`);
      if (await tx.registerCertificate.findUnique({ where: { instanceId_fingerprint: { instanceId: id, fingerprint: cert.fingerprint } } })) {
        throw new DirectoryError(`certificate ${cert.fingerprint} is pinned for ${id} already`);
      }
      await tx.registerCertificate.create({ data: { instanceId: id, ...cert, addedAt: now } });
      await tx.registerInstance.update({ where: { id }, data: { updatedAt: now } });
    });
  }

  /** Retires a pinned certificate now: answers signed with its key are refused from the next request on. */
  async retireCertificate(id: string, fingerprint: string): Promise<void> {
    await this.change(async (tx, now) => {
      const { count } = await tx.registerCertificate.updateMany({ where: { instanceId: id, fingerprint: fingerprint.toLowerCase(), retiredAt: null }, data: { retiredAt: now } });
      if (count === 0) throw new DirectoryError(`no certificate ${fingerprint} in use for register ${id}`);
      await tx.registerInstance.update({ where: { id }, data: { updatedAt: now } });
    });
  }

  private async write(tx: DbTx, { definition: d, certificates }: InstanceEntry, now: Date): Promise<void> {
    const keys = jurisdictionKeys(d);
    const held = await tx.registerJurisdiction.findMany({ where: { evidenceType: d.evidenceType, value: { in: keys }, NOT: { instanceId: d.id } } });
    if (held.length > 0) {
      const shown = held.slice(0, 5).map((h) => `${h.value === NATIONAL_KEY ? 'the national jurisdiction' : h.value} (held by ${h.instanceId})`);
      throw new DirectoryError(`register ${d.id}: another ${d.evidenceType} register is responsible for ${shown.join(', ')}${held.length > 5 ? ` and ${held.length - 5} more` : ''}`);
    }
    const fields = {
      evidenceType: d.evidenceType,
      name: d.name,
      endpointUrl: d.endpointUrl,
      jurisdictionKind: d.jurisdiction.kind,
      purposes: JSON.stringify(d.purposes),
      participants: d.participants === null ? null : JSON.stringify(d.participants),
      enabled: d.enabled,
      mutualTls: d.mutualTls,
      updatedAt: now,
    };
    await tx.registerInstance.upsert({ where: { id: d.id }, create: { id: d.id, ...fields, createdAt: now }, update: fields });
    await tx.registerJurisdiction.deleteMany({ where: { instanceId: d.id } });
    await tx.registerJurisdiction.createMany({ data: keys.map((value) => ({ evidenceType: d.evidenceType, value, instanceId: d.id })) });
    const pinned = new Set((await tx.registerCertificate.findMany({ where: { instanceId: d.id }, select: { fingerprint: true } })).map((c) => c.fingerprint));
    const fresh = certificates.filter((c) => !pinned.has(c.fingerprint));
    if (fresh.length > 0) await tx.registerCertificate.createMany({ data: fresh.map((c) => ({ instanceId: d.id, ...c, addedAt: now })) });
  }

  /** Runs a change and raises the version with it, in one transaction. */
  private async change<T>(work: (tx: DbTx, now: Date) => Promise<T>): Promise<T> {
    return this.db.$transaction(async (tx) => {
      const now = this.clock();
      const result = await work(tx, now);
      await tx.registerDirectoryState.upsert({ where: { id: 1 }, create: { id: 1, version: 1, updatedAt: now }, update: { version: { increment: 1 }, updatedAt: now } });
      return result;
    }, LONG_TRANSACTION);
  }
}
