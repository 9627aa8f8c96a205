// The directory's certificates: which certificate belongs to which participant, and whether it is revoked.
import { directSqlOf, type Db } from '../db/database.ts';
import type { CertificateUse, IssuedCertificate } from './ca.ts';

/** A certificate as the directory lists it. */
export interface CertificateRecord {
  serial: string;
  participantId: string;
  fingerprint: string;
  subject: string;
  use: CertificateUse;
  notBefore: Date;
  notAfter: Date;
  revokedAt: Date | null;
}

export class CertificateStore {
  constructor(
    private readonly db: Db,
    private readonly clock: () => Date,
  ) {}

  async record(cert: IssuedCertificate, participantId: string, use: CertificateUse): Promise<void> {
    await this.db.certificate.create({
      data: { serial: cert.serial, participantId, fingerprint: cert.fingerprint, subject: cert.subject, use, notBefore: cert.notBefore, notAfter: cert.notAfter, pem: cert.certPem, issuedAt: this.clock() },
    });
  }

  /** Revokes at once; the next connection or request presenting it is refused. */
  async revoke(serial: string): Promise<boolean> {
    const { count } = await this.db.certificate.updateMany({ where: { serial, revokedAt: null }, data: { revokedAt: this.clock() } });
    return count === 1;
  }

  async list(): Promise<CertificateRecord[]> {
    const rows = await this.db.certificate.findMany({ orderBy: { issuedAt: 'asc' } });
    return rows.map(({ pem: _, issuedAt: __, ...r }) => ({ ...r, use: r.use as CertificateUse }));
  }

  /** The participant a presented client certificate belongs to, or null if unknown, revoked or expired. */
  // NOTE: straight to the driver adapter (broker/db/direct-sql.ts): this runs on every request over mutual TLS.
  async participantFor(fingerprint: string): Promise<string | null> {
    const [row] = await directSqlOf(this.db).query<{ participantId: string; use: string; notBefore: Date; notAfter: Date; revokedAt: Date | null }>(
      'SELECT "participantId", "use", "notBefore", "notAfter", "revokedAt" FROM "Certificate" WHERE "fingerprint" = ?',
      [fingerprint],
      ['notBefore', 'notAfter', 'revokedAt'],
    );
    const now = this.clock();
    if (!row || row.use !== 'client' || row.revokedAt || row.notAfter <= now || row.notBefore > now) return null;
    return row.participantId;
  }
}
