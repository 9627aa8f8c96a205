// The web pages for people (clerks' lookup and history, citizens' cockpit), one folder each, listed here. They are
// mounted before the JSON API with their own body parsing, sessions and CSRF protection.
import type { Router } from 'express';
import type { Context } from '../context.ts';
import citizenSignIn from './citizen-sign-in/routes.ts';
import clerkSignIn from './clerk-sign-in/routes.ts';
import cockpit from './cockpit/routes.ts';
import fallback from './fallback.ts';
import infoPages from './info/routes.ts';
import lookup from './lookup/routes.ts';
import problemPages from './problems/routes.ts';
import requests from './requests/routes.ts';
import { mountRealm } from './sessions/realm.ts';

type Page = (router: Router, ctx: Context) => void;

/** Clerks: everything under /ui shares the clerk session and its CSRF check. */
const clerkRealm: Page = (router, ctx) => mountRealm(router, '/ui', 'lookup', ctx.pages.clerkSessions, ctx.cfg.demo);
/** Citizens: everything under /cockpit shares the citizen session and its CSRF check. */
const citizenRealm: Page = (router, ctx) => mountRealm(router, '/cockpit', 'cockpit', ctx.pages.citizenSessions, ctx.cfg.demo);

// NOTE: order matters: headers and static assets first, then each realm's session and CSRF check
// before its routes, and the fallback (HTML 404 and error page) last.
export const pages: Page[] = [infoPages, problemPages, clerkRealm, clerkSignIn, lookup, requests, citizenRealm, citizenSignIn, cockpit, fallback];
