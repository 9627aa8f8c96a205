// The clerk's lookup: show the form, validate it, record a paper consent if there is one, fetch through
// the evidence service (authorization, consent policy, fan-out, audit — exactly as the API does), and
// show the answer once. A refusal shows the form again with the reason at the field it concerns.
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { grantBoundsProblem } from '../../../consent/grant-bounds.ts';
import type { Context } from '../../context.ts';
import { explainCode } from '../../domain/error-catalogue.ts';
import { BrokerError, ConsentRequiredError, ForbiddenError, NotFoundError } from '../../domain/errors.ts';
import type { FieldErrors } from '../kit/components.ts';
import { notFoundPage } from '../kit/error-pages.ts';
import { sendPage } from '../kit/security.ts';
import { clerkOf } from '../sessions/signed-in.ts';
import { RoutingHints } from '../../directory/routing.ts';
import { insurerChoices } from './routing-fields.ts';
import { alreadySentNotice, lookupFormPage, resultPage, stillRunningPage } from './template.ts';
import { emptyLookupForm, readLookupForm, validateLookup, type LookupForm } from './validation.ts';

/** German reasons for the policy's refusal codes (ConsentRequiredError.refusal). */
/** A refusal as the clerk reads it: the catalogue's clerk text (broker/domain/error-catalogue.ts). */
const refusalText = (code: string): string => (explainCode(code) ?? explainCode('no-consent')!).de.clerk;

export function lookupController(ctx: Context) {
  const sessions = ctx.pages.clerkSessions;
  const sandbox = ctx.cfg.demo;

  // The insurers come from the directory's copy in use, the one routing reads.
  const insurers = () => insurerChoices(ctx.directory.list());

  function showForm(req: Request, res: Response, status: number, form: LookupForm, errors: FieldErrors): void {
    sendPage(res, status, lookupFormPage({ clerk: clerkOf(req), sandbox, form, errors, insurers: insurers() }));
  }

  return {
    show(req: Request, res: Response): void {
      showForm(req, res, 200, emptyLookupForm(randomUUID(), clerkOf(req).participant), new Map());
    },

    async submit(req: Request, res: Response): Promise<void> {
      const clerk = clerkOf(req);
      const form = readLookupForm(req.body);
      if (form.formId === '') form.formId = randomUUID();
      // NOTE: the same form sent twice (reload, double click) must not fetch twice: each fetch is a
      // transfer of personal data that the citizen sees in the cockpit.
      const earlier = sessions.findSubmission(req, form.formId);
      if (earlier) return res.redirect(303, `/ui/lookup/requests/${earlier}?status=bereits-gesendet`);

      const now = ctx.clock();
      const checked = validateLookup(form, clerk.participant, now, insurers());
      if (!checked.ok) return showForm(req, res, 400, form, checked.errors);
      const { body, paperConsent } = checked.value;
      // A paper consent is one an authority records for itself: the same bounds as through the API.
      const bound = paperConsent && grantBoundsProblem({ validFrom: now, validUntil: paperConsent.validUntil, recordedBy: 'authority' }, now, ctx.cfg.consentMaxValidityDays);
      if (bound) {
        return showForm(req, res, 400, form, new Map([['paperValidUntil', `Eine auf Papier erteilte Einwilligung gilt hier höchstens ${ctx.cfg.consentMaxValidityDays} Tage; geben Sie ein früheres Ende an`]]));
      }

      if (paperConsent) {
        // The paper consent is recorded as the API records one an authority holds (grantedBy = the authority),
        // and names the clerk who recorded it, so the citizen's consent can be traced to the form and the person.
        const consent = await ctx.consents.grant({
          citizenIdNr: body.citizen.idNr,
          granteeId: clerk.participant.id,
          evidenceTypes: body.evidenceTypes,
          purpose: body.purpose,
          validFrom: now,
          validUntil: paperConsent.validUntil,
          grantedBy: clerk.participant.id,
          paper: { ...paperConsent.form, recordedByClerk: clerk.account.id },
        });
        body.consentId = consent.id;
        ctx.log.info({ event: 'clerk-recorded-paper-consent', clerk: clerk.account.id, consentId: consent.id }, 'paper consent recorded');
      }

      try {
        // The form id doubles as the evidence service's idempotency key: two sends racing each other (a
        // double click) become one request in the database, and the second gets the first one's answer.
        const result = await ctx.evidence.submit(clerk.participant, body, { idempotencyKey: `ui-lookup:${form.formId}`, onBehalfOf: `clerk:${clerk.account.id}` });
        const { answer } = result;
        await sessions.rememberSubmission(req, form.formId, answer.id);
        // The audit entry names the authority and the clerk who acted for it.
        ctx.log.info({ event: 'clerk-lookup', clerk: clerk.account.id, requestId: answer.id, status: answer.status, replayed: result.kind === 'replayed' }, 'clerk lookup answered');
        const notice = result.kind === 'replayed' ? alreadySentNotice() : null;
        sendPage(res, 200, resultPage({ clerk, sandbox, answer, idNr: body.citizen.idNr, routing: body.routing ?? null, fresh: true, notice }));
      } catch (err) {
        // Still in progress in a parallel send of the same form, or the form id reused for other content.
        if (err instanceof BrokerError && err.status === 409) return sendPage(res, 409, stillRunningPage(clerk, sandbox));
        if (err instanceof ConsentRequiredError) {
          const at = form.basis === 'legal-basis' ? 'legalBasis' : 'basis';
          return showForm(req, res, 403, form, new Map([[at, refusalText(err.refusal)]]));
        }
        if (err instanceof ForbiddenError) {
          const message = 'Das darf Ihre Behörde nicht abrufen. Es wurden keine Daten abgerufen.';
          return showForm(req, res, 403, form, new Map([[form.basis === 'legal-basis' ? 'legalBasis' : 'evidenceTypes', message]]));
        }
        throw err;
      }
    },

    /** A request's current state; items still pending are asked about again, as the API's GET does. */
    async request(req: Request, res: Response): Promise<void> {
      const clerk = clerkOf(req);
      const id = String(req.params.id ?? '');
      if (!/^[0-9a-f-]{36}$/.test(id)) return sendPage(res, 404, notFoundPage('lookup', sandbox));
      try {
        const answer = await ctx.evidence.get(clerk.participant, id);
        const row = await ctx.database.prisma.evidenceRequest.findUnique({ where: { id }, select: { citizenIdNr: true, routing: true } });
        const notice = req.query.status === 'bereits-gesendet' ? alreadySentNotice() : null;
        const fresh = answer.evidence.some((i) => i.data !== null);
        sendPage(res, 200, resultPage({ clerk, sandbox, answer, idNr: row?.citizenIdNr ?? '', routing: storedRouting(row?.routing ?? null), fresh, notice }));
      } catch (err) {
        // Another authority's request and an unknown id look the same.
        if (err instanceof NotFoundError) return sendPage(res, 404, notFoundPage('lookup', sandbox));
        throw err;
      }
    },
  };
}

/** The routing hints kept with a request (JSON), or null when there are none or they do not parse. */
function storedRouting(json: string | null): RoutingHints | null {
  if (json === null) return null;
  try {
    const parsed = RoutingHints.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
