// Calendar days as people type them into forms, and the instants they mean in Berlin. Pure functions.
import { onFirstUse, TIME_ZONE } from './labels.ts';

/** A calendar day. */
export interface Day {
  y: number;
  m: number;
  d: number;
}

/** Reads "2026-12-31" (what date inputs send) or "31.12.2026" (what people type); null if no real day. */
export function parseDay(input: string): Day | null {
  const text = input.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const german = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(text);
  const parts = iso ? [iso[1], iso[2], iso[3]] : german ? [german[3], german[2], german[1]] : null;
  if (!parts) return null;
  const [y, m, d] = parts.map(Number) as [number, number, number];
  const probe = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || y > 2200 || probe.getUTCFullYear() !== y || probe.getUTCMonth() !== m - 1 || probe.getUTCDate() !== d) return null;
  return { y, m, d };
}

export function dayString(day: Day): string {
  return `${day.y}-${String(day.m).padStart(2, '0')}-${String(day.d).padStart(2, '0')}`;
}

// Made on first use, as labels.ts's formatters are (ICU data only for processes that render pages).
const offsetFormat = onFirstUse(() => new Intl.DateTimeFormat('en-US', { timeZone: TIME_ZONE, timeZoneName: 'longOffset' }));

/** Minutes Berlin is ahead of UTC at an instant (60 in winter, 120 in summer). */
function berlinOffsetMinutes(at: Date): number {
  const name = offsetFormat().formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

/** The instant a day begins in Berlin (00:00 local time). */
export function startOfDayInBerlin(day: Day): Date {
  const utcMidnight = Date.UTC(day.y, day.m - 1, day.d);
  const first = utcMidnight - berlinOffsetMinutes(new Date(utcMidnight)) * 60_000;
  // NOTE: correct once more in case the first guess fell on the other side of a DST change.
  return new Date(utcMidnight - berlinOffsetMinutes(new Date(first)) * 60_000);
}

/** The instant a day ends in Berlin, i.e. the next day's 00:00 ("valid until 31.12." includes that day). */
export function endOfDayInBerlin(day: Day): Date {
  const next = new Date(Date.UTC(day.y, day.m - 1, day.d + 1));
  return startOfDayInBerlin({ y: next.getUTCFullYear(), m: next.getUTCMonth() + 1, d: next.getUTCDate() });
}

/** The Berlin calendar day an instant falls on. */
export function berlinDay(at: Date): Day {
  const local = new Date(at.getTime() + berlinOffsetMinutes(at) * 60_000);
  return { y: local.getUTCFullYear(), m: local.getUTCMonth() + 1, d: local.getUTCDate() };
}

/** A day some whole days after the given one. */
export function addDays(day: Day, days: number): Day {
  const t = new Date(Date.UTC(day.y, day.m - 1, day.d + days));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}
