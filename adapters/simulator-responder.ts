// The message side every register simulator shares: read a signed query, answer from synthetic records, or
// play a content fault (another citizen, 'in-bearbeitung' then a poll, valid but wrong records) so sandbox
// users see the broker refuse it. Like a real register it verifies the broker's signature and signs answers.
import { createHash, randomUUID } from 'node:crypto';
import type { RegisterAnswer, MessageFamily, RegisterQuery } from './register-envelope.ts';
import { anotherCitizen } from './sandbox-citizens.ts';
import type { SigningIdentity } from './signing-keys.ts';
import { sandboxTrust } from './sandbox-trust.ts';
import {
  familyInstance,
  startRegisterSimulator,
  type MessageFault,
  type RegisterMessageHandler,
  type SimulatedInstance,
  type SimulatorHandle,
  type SimulatorStartOptions,
} from './simulator-server.ts';
import type { MessageHeader } from './xml.ts';

/** A register's records: the evidence about a citizen for a period, or null when it has none. */
export type RegisterLookup<S, P> = (idNr: string, period: S, now: Date) => P | null;

/** How a register's records are made to lie for the content faults 'negative-amount' and 'outside-period'. */
export interface RecordDistortions<S, P> {
  'negative-amount'?: (payload: P) => P;
  'outside-period'?: (payload: P, period: S) => P;
}

export interface ResponderOptions<S = unknown, P = unknown> {
  clock?: () => Date;
  /** A register without a distortion for a fault answers truthfully in that mode. */
  distortions?: RecordDistortions<S, P>;
  /** The instance's id: the recipient a query must name and the sender of its answers. */
  instanceId: string;
  /** The instance's own key and certificate, which sign its answers. */
  signing: SigningIdentity;
  /** The broker's certificates (one per profile), pinned: only queries signed with one of their keys are read. */
  brokerCertificates: readonly string[];
}

/** How long a real register takes to answer a query it accepted for later (rvBEA: employers answer weekly). */
const PENDING_FOR_MS = 7 * 24 * 3600 * 1000;
/** Tickets kept; the oldest are forgotten first so a public sandbox cannot be made to grow without bound. */
const MAX_TICKETS = 10_000;

export function createRegisterResponder<S, P>(
  messages: MessageFamily<S, P>,
  lookup: RegisterLookup<S, P>,
  opts: ResponderOptions<S, P>,
): RegisterMessageHandler {
  const clock = opts.clock ?? (() => new Date());
  // ticket → hash of the IdNr it was issued for: a ticket only ever fetches that citizen's data.
  const tickets = new Map<string, string>();
  const citizenKey = (idNr: string) => createHash('sha256').update(idNr).digest('hex');
  let signing = opts.signing;

  function answer(xml: string, fault: MessageFault): string {
    const query: RegisterQuery<S> = messages.parseQuery(xml, opts.brokerCertificates);
    const now = clock();
    const header: MessageHeader = {
      messageId: randomUUID(),
      inReplyTo: query.header.messageId,
      createdAt: now.toISOString(),
      sender: opts.instanceId,
      recipient: query.header.sender,
    };
    const reply = (a: RegisterAnswer<P>) => messages.buildAnswer(a, signing);

    if (query.header.recipient !== opts.instanceId) {
      return reply({ header, status: 'abgelehnt', idNr: null, reason: 'falscher-empfaenger' });
    }
    if (query.ticket !== null) {
      if (tickets.get(query.ticket) !== citizenKey(query.idNr)) {
        return reply({ header, status: 'abgelehnt', idNr: query.idNr, reason: 'unbekannter-vorgang' });
      }
      // A known ticket is answered in full, whatever the fault: that is the point of polling.
    } else if (fault === 'pending') {
      const ticket = randomUUID();
      tickets.set(ticket, citizenKey(query.idNr));
      if (tickets.size > MAX_TICKETS) tickets.delete(tickets.keys().next().value!);
      const expectedBy = new Date(now.getTime() + PENDING_FOR_MS).toISOString();
      return reply({ header, status: 'in-bearbeitung', idNr: query.idNr, ticket, expectedBy });
    }

    const subject = fault === 'wrong-citizen' ? anotherCitizen(query.idNr) : query.idNr;
    let payload = lookup(subject, query.period, now);
    if (payload !== null && fault === 'negative-amount') payload = opts.distortions?.['negative-amount']?.(payload) ?? payload;
    if (payload !== null && fault === 'outside-period') payload = opts.distortions?.['outside-period']?.(payload, query.period) ?? payload;
    return payload === null
      ? reply({ header, status: 'nicht-gefunden', idNr: subject })
      : reply({ header, status: 'gefunden', idNr: subject, payload });
  }

  return {
    answer,
    reset: () => tickets.clear(),
    setSigning: (identity) => {
      signing = identity;
    },
  };
}

/** What one instance of a register family answers from: its records, and how they are made to lie. */
export interface InstanceRecords<S, P> {
  lookup: RegisterLookup<S, P>;
  distortions?: RecordDistortions<S, P>;
}

/**
 * Starts a register family's simulator: one responder per instance (each with its own key and records), or —
 * started alone, without instances — one named like the family with its sandbox key, pinning the sandbox broker.
 */
export function startFamilySimulator<S, P>(
  messages: MessageFamily<S, P>,
  opts: SimulatorStartOptions,
  recordsOf: (served: SimulatedInstance) => InstanceRecords<S, P>,
): Promise<SimulatorHandle> {
  const brokerCertificates = opts.brokerCertificates ?? [sandboxTrust().broker.certPem];
  const handlerFor = (served: SimulatedInstance) => {
    const { lookup, distortions } = recordsOf(served);
    return createRegisterResponder(messages, lookup, { clock: opts.clock, instanceId: served.instance.id, signing: served.signing, brokerCertificates, distortions });
  };
  const instances = opts.instances ?? [familyInstance(messages.register)];
  return startRegisterSimulator({ register: messages.register, instances, handlerFor, port: opts.port, host: opts.host });
}
