// The citizen's cockpit. Every read and every change is for the IdNr of the signed-in session: no
// address or form field can name another citizen, and another citizen's consent id answers "not found".
import type { Request, Response } from 'express';
import { transferJson, type TransferRecord } from '../../audit/audit-log.ts';
import { buildTransferLogXml } from '../../audit/transfer-log-xml.ts';
import type { Context } from '../../context.ts';
import { notFoundPage } from '../kit/error-pages.ts';
import { berlinDay, dayString } from '../kit/dates.ts';
import { sendPage } from '../kit/security.ts';
import { citizenOf } from '../sessions/signed-in.ts';
import { PrismaClerkAccountStore } from '../../identity/clerks/clerk-accounts.ts';
import type { Consent } from '../../../consent/rules.ts';
import { consentPage, consentsPage, consentState, grantPage, proofFileName, proofLaterPage, revokePage, transfersPage, type ConsentContext } from './template.ts';
import { applyFilter, filterQuery, isFiltered, readFilterForm, readGrantForm, validateFilter, validateGrant, type TransferFilter } from './validation.ts';

const NO_FILTER: TransferFilter = { from: null, to: null, authority: null, type: null };

export function cockpitController(ctx: Context) {
  const sessions = ctx.pages.citizenSessions;
  const sandbox = ctx.cfg.demo;

  /** Every authority in the directory (for the grant form and for names). */
  async function authorities(): Promise<{ id: string; name: string }[]> {
    return ctx.participants.list();
  }

  async function names(): Promise<Map<string, string>> {
    return new Map((await authorities()).map((a) => [a.id, a.name]));
  }

  const clerkAccounts = new PrismaClerkAccountStore(ctx.database.prisma);

  /** Names, the recording clerks' names and the transfers made under each of these consents of the citizen. */
  async function consentContext(idNr: string, consents: readonly Consent[]): Promise<ConsentContext> {
    const clerkIds = [...new Set(consents.flatMap((c) => (c.paper?.recordedByClerk ? [c.paper.recordedByClerk] : [])))];
    const clerks = new Map<string, string>();
    for (const id of clerkIds) {
      const account = await clerkAccounts.get(id);
      if (account) clerks.set(id, account.displayName);
    }
    const transfers = await ctx.audit.transfersUnderConsents(idNr, consents.map((c) => c.id));
    return { names: await names(), clerks, transfers, now: ctx.clock() };
  }

  /** The citizen's transfers, filtered by the query; the filter's problems if it was not valid. */
  async function filteredTransfers(req: Request, idNr: string) {
    const all = await ctx.audit.transfersForCitizen(idNr);
    const requesters = [...new Set(all.flatMap((t) => (t.detailsMissing ? [] : [t.requester])))];
    const form = readFilterForm(req.query);
    const checked = validateFilter(form, requesters);
    const filter = checked.ok ? checked.value : NO_FILTER;
    return { all, requesters, form, checked, filter, transfers: applyFilter(all, filter) };
  }

  function attachment(res: Response, ext: 'json' | 'xml'): void {
    const day = dayString(berlinDay(ctx.clock()));
    res.set('Content-Disposition', `attachment; filename="datenabrufe-${day}.${ext}"`);
  }

  function exportJson(idNr: string, transfers: readonly TransferRecord[], filter: TransferFilter) {
    return {
      citizen: { idNr },
      exportedAt: ctx.clock().toISOString(),
      filter: { from: filter.from ? dayString(filter.from) : null, to: filter.to ? dayString(filter.to) : null, authority: filter.authority, evidenceType: filter.type },
      transfers: transfers.map(transferJson),
    };
  }

  return {
    async transfers(req: Request, res: Response): Promise<void> {
      const citizen = citizenOf(req);
      const r = await filteredTransfers(req, citizen.idNr);
      sendPage(
        res,
        r.checked.ok ? 200 : 400,
        transfersPage({
          citizen,
          sandbox,
          transfers: r.transfers,
          total: r.all.length,
          names: await names(),
          requesters: r.requesters,
          form: r.form,
          errors: r.checked.ok ? new Map() : r.checked.errors,
          filtered: isFiltered(r.filter),
          exportQuery: filterQuery(r.filter),
          flash: await sessions.takeFlash(req),
          signedSize: (await ctx.treeHeads.latest())?.treeSize ?? 0,
          now: ctx.clock(),
          logKey: ctx.treeHeads.logKey,
        }),
      );
    },

    async exportJson(req: Request, res: Response): Promise<void> {
      const citizen = citizenOf(req);
      const r = await filteredTransfers(req, citizen.idNr);
      if (!r.checked.ok) return void res.status(400).type('text/plain; charset=utf-8').send('Der Filter ist ungültig.\n');
      attachment(res, 'json');
      res.type('application/json').send(JSON.stringify(exportJson(citizen.idNr, r.transfers, r.filter), null, 2));
    },

    async exportXml(req: Request, res: Response): Promise<void> {
      const citizen = citizenOf(req);
      const r = await filteredTransfers(req, citizen.idNr);
      if (!r.checked.ok) return void res.status(400).type('text/plain; charset=utf-8').send('Der Filter ist ungültig.\n');
      attachment(res, 'xml');
      res.type('application/xml').send(buildTransferLogXml({ idNr: citizen.idNr, transfers: r.transfers, now: ctx.clock(), sender: ctx.cfg.brokerId }));
    },

    async proof(req: Request, res: Response): Promise<void> {
      const citizen = citizenOf(req);
      const transfer = await ownTransfer(String(req.params.leafIndex ?? ''), citizen.idNr);
      if (!transfer) return sendPage(res, 404, notFoundPage('cockpit', sandbox));
      const index = transfer.auditEntryId - 1;
      const head = await ctx.treeHeads.latest();
      const leaf = head && index < head.treeSize ? await ctx.audit.leaf(index) : null;
      if (!head || !leaf) {
        return sendPage(res, 200, proofLaterPage({ citizen, sandbox, intervalMinutes: Math.max(1, Math.ceil(ctx.cfg.checkpointIntervalSeconds / 60)) }));
      }
      // NOTE: the bundle holds no personal data: the leaf bytes are the entry's kind, time and a salted commitment
      // to its details; the proof hashes and the signed note describe the whole log. It proves the entry is in
      // the log without saying whose it is, so the citizen may hand it to anyone to check.
      const bundle = {
        leaf: leaf.bytes.toString('base64'),
        index,
        treeSize: head.treeSize,
        inclusionProof: (await ctx.audit.inclusionProof(index, head.treeSize)).map((h) => h.toString('hex')),
        checkpoint: head.note,
      };
      res.set('Content-Disposition', `attachment; filename="${proofFileName(transfer.auditEntryId)}"`);
      res.type('application/json').send(JSON.stringify(bundle, null, 2));
    },

    async consents(req: Request, res: Response): Promise<void> {
      const citizen = citizenOf(req);
      const consents = await ctx.consentStore.listForCitizen(citizen.idNr);
      sendPage(res, 200, consentsPage({ ...(await consentContext(citizen.idNr, consents)), citizen, sandbox, consents, flash: await sessions.takeFlash(req) }));
    },

    async consent(req: Request, res: Response): Promise<void> {
      const citizen = citizenOf(req);
      const consent = await ownConsent(String(req.params.id ?? ''), citizen.idNr);
      if (!consent) return sendPage(res, 404, notFoundPage('cockpit', sandbox));
      sendPage(res, 200, consentPage({ ...(await consentContext(citizen.idNr, [consent])), citizen, sandbox, consent }));
    },

    async grantForm(req: Request, res: Response): Promise<void> {
      const citizen = citizenOf(req);
      const form = { grantee: '', purpose: '', evidenceTypes: [], validUntil: '' };
      sendPage(res, 200, grantPage({ citizen, sandbox, authorities: await authorities(), form, errors: new Map() }));
    },

    async grant(req: Request, res: Response): Promise<void> {
      const citizen = citizenOf(req);
      const list = await authorities();
      const form = readGrantForm(req.body);
      const now = ctx.clock();
      const checked = validateGrant(form, citizen.idNr, list.map((a) => a.id), now);
      if (!checked.ok) return sendPage(res, 400, grantPage({ citizen, sandbox, authorities: list, form, errors: checked.errors }));
      const { body, validUntil } = checked.value;
      await ctx.consents.grant({
        citizenIdNr: citizen.idNr,
        granteeId: body.grantee,
        evidenceTypes: body.evidenceTypes,
        purpose: body.purpose,
        validFrom: now,
        validUntil,
        grantedBy: 'citizen',
        paper: null,
      });
      const name = list.find((a) => a.id === body.grantee)?.name ?? body.grantee;
      await sessions.setFlash(req, { title: 'Einwilligung erteilt', body: `${name} darf die gewählten Nachweise jetzt abrufen. Sie können die Einwilligung jederzeit widerrufen.` });
      res.redirect(303, '/cockpit/consents');
    },

    async revokeForm(req: Request, res: Response): Promise<void> {
      const citizen = citizenOf(req);
      const consent = await ownConsent(String(req.params.id ?? ''), citizen.idNr);
      if (!consent) return sendPage(res, 404, notFoundPage('cockpit', sandbox));
      const now = ctx.clock();
      if (!['active', 'not-yet-valid'].includes(consentState(consent, now))) return res.redirect(303, '/cockpit/consents');
      sendPage(res, 200, revokePage({ ...(await consentContext(citizen.idNr, [consent])), now, citizen, sandbox, consent }));
    },

    async revoke(req: Request, res: Response): Promise<void> {
      const citizen = citizenOf(req);
      const consent = await ownConsent(String(req.params.id ?? ''), citizen.idNr);
      if (!consent) return sendPage(res, 404, notFoundPage('cockpit', sandbox));
      // 'citizen' is the actor id the API records for a citizen (actorId in broker/identity/auth/principal.ts).
      await ctx.consents.revoke(consent.id, 'citizen');
      const name = (await names()).get(consent.granteeId) ?? consent.granteeId;
      await sessions.setFlash(req, { title: 'Einwilligung widerrufen', body: `${name} darf auf Grund dieser Einwilligung ab sofort keine Nachweise mehr abrufen.` });
      res.redirect(303, '/cockpit/consents');
    },
  };

  /**
   * The transfer at this leaf of the audit tree, if it is this citizen's (their IdNr on its detail row, or their tag
   * on an entry whose details are missing: its proof shows the entry is in the log); another citizen's leaf or an entry
   * of another kind is "not found", like an unknown index.
   */
  async function ownTransfer(leafIndex: string, idNr: string): Promise<TransferRecord | null> {
    if (!/^\d{1,15}$/.test(leafIndex)) return null;
    const seq = Number(leafIndex) + 1;
    return (await ctx.audit.transfersForCitizen(idNr)).find((t) => t.auditEntryId === seq) ?? null;
  }

  /** The consent, if it is this citizen's; another citizen's consent is "not found", like an unknown id. */
  async function ownConsent(id: string, idNr: string) {
    if (!/^[0-9a-f-]{36}$/.test(id)) return null;
    const consent = await ctx.consentStore.get(id);
    return consent && consent.citizenIdNr === idNr ? consent : null;
  }
}
