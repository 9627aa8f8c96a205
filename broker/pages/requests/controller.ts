// The clerk's history: the lookups of the clerk's authority, one lookup, and fetching the items a register
// still owes. Only the authority's own requests exist here: another authority's id is "not found", like an
// unknown one. Viewing never asks a register; only the fetch button does, through the evidence service's
// pending poll (consent checked again, audited as its own transfer), exactly as the API's GET.
import type { Request, Response } from 'express';
import { EVIDENCE_TYPES } from '../../../adapters/index.ts';
import type { Context } from '../../context.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { answerOf, inProgressAnswer, itemAnswerOf } from '../../evidence/evidence-answer.ts';
import type { EvidenceRequestRecord, StoredItem } from '../../evidence/evidence-request-store.ts';
import { SqlEvidenceRequestStore } from '../../evidence/sql-evidence-request-store.ts';
import type { FieldErrors } from '../kit/components.ts';
import { notFoundPage } from '../kit/error-pages.ts';
import { sendPage } from '../kit/security.ts';
import { clerkOf, type SignedInClerk } from '../sessions/signed-in.ts';
import { historyPage, nothingPendingNotice, pendingNotice, requestPage, type RequestView } from './template.ts';
import { isFiltered, NO_FILTER, pageCount, readHistoryForm, storeQuery, validateHistory } from './validation.ts';

const REQUEST_ID = /^[0-9a-f-]{36}$/;

export function requestsController(ctx: Context) {
  const sandbox = ctx.cfg.demo;
  // NOTE: the context exposes no request store (the evidence service keeps its own); the SQL store holds
  // nothing but the database client, so this one reads the very rows the evidence path writes.
  const store = new SqlEvidenceRequestStore(ctx.database.prisma);

  /** The request with its items, if it is this clerk's authority's. */
  async function own(req: Request, clerk: SignedInClerk): Promise<{ request: EvidenceRequestRecord; items: StoredItem[] } | null> {
    const id = String(req.params.id ?? '');
    if (!REQUEST_ID.test(id)) return null;
    const found = await store.findWithItems(id);
    return found && found.request.participantId === clerk.participant.id ? found : null;
  }

  return {
    async list(req: Request, res: Response): Promise<void> {
      const clerk = clerkOf(req);
      const form = readHistoryForm(req.query);
      const checked = validateHistory(form);
      let filter = checked.ok ? checked.value : NO_FILTER;
      let errors: FieldErrors = checked.ok ? new Map() : checked.errors;
      let found = await store.listForParticipant(clerk.participant.id, storeQuery(filter));
      let pages = pageCount(found.total, filter.size);
      if (filter.page > pages) {
        // A page past the end (an old link, a list that shrank): say so, and show the filter's first page.
        errors = new Map([['page', `Seite ${filter.page} gibt es nicht: die Liste hat ${pages === 1 ? 'nur eine Seite' : `${pages} Seiten`}`]]);
        filter = { ...filter, page: 1 };
        found = await store.listForParticipant(clerk.participant.id, storeQuery(filter));
        pages = pageCount(found.total, filter.size);
      }
      sendPage(
        res,
        errors.size > 0 ? 400 : 200,
        historyPage({ clerk, sandbox, form, errors, filter, filtered: isFiltered(filter), requests: found.requests, total: found.total, pages }),
      );
    },

    async show(req: Request, res: Response): Promise<void> {
      const clerk = clerkOf(req);
      const found = await own(req, clerk);
      if (!found) return sendPage(res, 404, notFoundPage('lookup', sandbox));
      sendPage(res, 200, requestPage({ clerk, sandbox, view: storedView(found.request, found.items) }));
    },

    async fetchPending(req: Request, res: Response): Promise<void> {
      const clerk = clerkOf(req);
      const found = await own(req, clerk);
      if (!found) return sendPage(res, 404, notFoundPage('lookup', sandbox));
      const { request, items } = found;
      const owed = items.filter((i) => i.status === 'pending').length;
      if (owed === 0) return sendPage(res, 200, requestPage({ clerk, sandbox, view: storedView(request, items), notice: nothingPendingNotice() }));
      try {
        const answer = await ctx.evidence.get(clerk.participant, request.id);
        const still = answer.evidence.filter((i) => i.status === 'pending').length;
        ctx.log.info({ event: 'clerk-fetched-pending', clerk: clerk.account.id, requestId: request.id, arrived: owed - still, stillPending: still }, 'clerk fetched pending items');
        const view: RequestView = { answer, storedStatus: answer.status, idNr: request.citizenIdNr, routing: request.routing };
        sendPage(res, 200, requestPage({ clerk, sandbox, view, notice: pendingNotice(owed - still, still) }));
      } catch (err) {
        if (err instanceof NotFoundError) return sendPage(res, 404, notFoundPage('lookup', sandbox));
        throw err;
      }
    },

    async toRequest(req: Request, res: Response): Promise<void> {
      const found = await own(req, clerkOf(req));
      if (!found) return sendPage(res, 404, notFoundPage('lookup', sandbox));
      res.redirect(303, `/ui/requests/${found.request.id}`);
    },
  };
}

/** A request as recorded, without asking any register: items in the order of the types, no data. */
function storedView(request: EvidenceRequestRecord, items: readonly StoredItem[]): RequestView {
  const unfinished = request.status === 'in-progress' || request.status === 'abandoned';
  const sorted = [...items].sort((a, b) => EVIDENCE_TYPES.indexOf(a.type) - EVIDENCE_TYPES.indexOf(b.type));
  const answer = unfinished ? inProgressAnswer(request) : answerOf(request, sorted.map(itemAnswerOf), request.auditSeq);
  return { answer, storedStatus: request.status, idNr: request.citizenIdNr, routing: request.routing };
}
