// `npm run admin -- pki …`: the broker's certificate authority and the certificates it issues to
// authorities' systems, registers and itself; each issued certificate is recorded in the directory.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createCsr, generateKeyPem, initCa, issueCertificate, loadCa, writeSecret, type CertificateUse } from '../directory/ca.ts';
import type { Context } from '../context.ts';
import { AdminError, EXIT, list, readInputFile, type AdminKit } from './admin-kit.ts';

export function addPkiCommands(program: Command, { withContext, out }: AdminKit): void {
  const pkiCommand = program.command('pki').description("the broker's certificate authority and the directory's certificates (CA_DIR)");
  pkiCommand
    .command('init')
    .description('create the CA (key readable only by its owner) in CA_DIR')
    .option('--common-name <name>', 'the CA name', 'Evidence Broker CA')
    .action((opts: { commonName: string }) =>
      withContext(async (ctx) => {
        initCa(ctx.cfg.caDir, opts.commonName);
        out(`CA created in ${ctx.cfg.caDir} (ca.crt, ca.key)`);
      }),
    );
  const issue = async (ctx: Context, opts: { out: string; csr?: string; validityDays: string }, subject: { commonName: string; organization?: string; use: CertificateUse; hosts?: string[]; participantId: string }) => {
    const validityDays = Number.parseInt(opts.validityDays, 10);
    if (!(validityDays > 0 && validityDays <= 3650)) throw new AdminError('--validity-days must be 1..3650', EXIT.usage);
    let csrPem: string;
    if (opts.csr) {
      csrPem = readInputFile(opts.csr);
    } else {
      // No CSR: make the key here and write it beside the certificate, readable by its owner only.
      const { keyPem } = generateKeyPem();
      writeSecret(`${opts.out}.key`, keyPem);
      csrPem = createCsr(keyPem, subject.commonName);
    }
    const cert = issueCertificate(loadCa(ctx.cfg.caDir), { csrPem, validityDays, ...subject });
    writeFileSync(`${opts.out}.crt`, cert.certPem, { mode: 0o644 });
    await ctx.certificates.record(cert, subject.participantId, subject.use);
    out(`certificate ${cert.serial} for ${subject.commonName} written to ${opts.out}.crt${opts.csr ? '' : ` (key: ${opts.out}.key)`}; SHA-256 ${cert.fingerprint}`);
  };
  pkiCommand
    .command('issue')
    .description("issue a client certificate to an authority's system (CN = participant id)")
    .requiredOption('--participant <id>', 'the participant')
    .requiredOption('--out <prefix>', 'writes <prefix>.crt (and <prefix>.key when no CSR is given)')
    .option('--csr <file>', 'a PEM certificate signing request (the key never leaves the participant)')
    .option('--validity-days <days>', 'validity', '365')
    .action((opts: { participant: string; out: string; csr?: string; validityDays: string }) =>
      withContext(async (ctx) => {
        const participant = await ctx.participants.get(opts.participant);
        if (!participant) throw new AdminError(`unknown participant ${opts.participant}`);
        await issue(ctx, opts, { commonName: participant.id, organization: participant.name, use: 'client', participantId: participant.id });
      }),
    );
  pkiCommand
    .command('issue-register-client')
    .description("issue the broker's own TLS client certificate (CN = BROKER_ID), presented to registers that ask for mutual TLS (REGISTER_CLIENT_CERT_FILE)")
    .requiredOption('--out <prefix>', 'writes <prefix>.crt and <prefix>.key')
    .option('--validity-days <days>', 'validity', '365')
    .action((opts: { out: string; validityDays: string }) =>
      withContext(async (ctx) => {
        await issue(ctx, opts, { commonName: ctx.cfg.brokerId, organization: 'Evidence Broker', use: 'client', participantId: ctx.cfg.brokerId });
      }),
    );
  pkiCommand
    .command('issue-server')
    .description("issue the broker's own TLS server certificate")
    .requiredOption('--host <names>', 'comma-separated host names or IP addresses it serves')
    .requiredOption('--out <prefix>', 'writes <prefix>.crt and <prefix>.key')
    .option('--validity-days <days>', 'validity', '365')
    .action((opts: { host: string; out: string; validityDays: string }) =>
      withContext(async (ctx) => {
        const hosts = list(opts.host);
        await issue(ctx, opts, { commonName: hosts[0]!, organization: 'Evidence Broker', use: 'server', hosts, participantId: ctx.cfg.brokerId });
      }),
    );
  pkiCommand
    .command('issue-signing')
    .description("issue a certificate for signing register messages (XML Signature): the broker's own (BROKER_SIGNING_KEY_FILE/_CERT_FILE) or a register's")
    .option('--participant <id>', 'the register it is for (its certificate is what the broker pins); default: this broker (BROKER_ID)')
    .requiredOption('--out <prefix>', 'writes <prefix>.crt (and <prefix>.key when no CSR is given)')
    .option('--csr <file>', 'a PEM certificate signing request (the key never leaves its owner)')
    .option('--validity-days <days>', 'validity', '365')
    .action((opts: { participant?: string; out: string; csr?: string; validityDays: string }) =>
      withContext(async (ctx) => {
        const id = opts.participant ?? ctx.cfg.brokerId;
        if (!/^[A-Za-z0-9][A-Za-z0-9:._-]{0,99}$/.test(id)) throw new AdminError(`invalid participant id ${id}`, EXIT.usage);
        await issue(ctx, opts, { commonName: id, organization: id === ctx.cfg.brokerId ? 'Evidence Broker' : undefined, use: 'signing', participantId: id });
      }),
    );
  pkiCommand
    .command('revoke <serial>')
    .description('revoke a certificate: the next request presenting it is refused')
    .action((serial: string) =>
      withContext(async (ctx) => {
        if (!(await ctx.certificates.revoke(serial))) throw new AdminError(`no unrevoked certificate ${serial}`);
        out(`certificate ${serial} revoked`);
      }),
    );
  pkiCommand
    .command('list')
    .description("the directory's certificates")
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const rows = await ctx.certificates.list();
        if (opts.json) return out(JSON.stringify(rows));
        for (const c of rows) out(`${c.serial}\t${c.use}\t${c.participantId}\t${c.subject}\t${c.notAfter.toISOString()}\t${c.revokedAt ? 'revoked' : 'valid'}`);
      }),
    );
}
