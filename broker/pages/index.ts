// The web pages for people (clerks' lookup, citizens' cockpit), one folder each, listed here. They are
// mounted before the JSON API with their own body parsing, sessions and CSRF protection.
import type { Router } from 'express';
import type { Context } from '../context.ts';

type Page = (router: Router, ctx: Context) => void;

export const pages: Page[] = [];
