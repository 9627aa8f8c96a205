// Routes of the citizen's cockpit (/cockpit). Every route needs a signed-in citizen; the realm middleware
// in front (sessions/realm.ts) has loaded the session and checked the CSRF token of every POST.
import type { Router } from 'express';
import type { Context } from '../../context.ts';
import { requireCitizen } from '../sessions/signed-in.ts';
import { cockpitController } from './controller.ts';

export default function cockpit(router: Router, ctx: Context): void {
  const c = cockpitController(ctx);
  const signedIn = requireCitizen(ctx);
  router.get('/cockpit', signedIn, c.transfers);
  router.get('/cockpit/transfers.json', signedIn, c.exportJson);
  router.get('/cockpit/transfers.xml', signedIn, c.exportXml);
  router.get('/cockpit/transfers/:leafIndex/proof', signedIn, c.proof);
  router.get('/cockpit/consents', signedIn, c.consents);
  router.get('/cockpit/consents/new', signedIn, c.grantForm);
  router.post('/cockpit/consents/new', signedIn, c.grant);
  router.get('/cockpit/consents/:id', signedIn, c.consent);
  router.get('/cockpit/consents/:id/revoke', signedIn, c.revokeForm);
  router.post('/cockpit/consents/:id/revoke', signedIn, c.revoke);
}
