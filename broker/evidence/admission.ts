// Admission of evidence requests to the registers: a request goes on only when every register it needs has
// room — all or none, since registers refusing one by one under overload let almost no request through whole.
// One that does not fit waits in a queue, using no CPU, up to a deadline: a refused caller's retry costs more.
import type { Histogram } from 'prom-client';

/** A register instance's id (broker/directory/): what admission counts by. */
type RegisterId = string;

/** Limits of the gate (broker/context.ts derives them from the configuration). */
export interface AdmissionSettings {
  /** Requests admitted to each register instance at once (REGISTER_MAX_IN_FLIGHT: the calls it may have in flight). */
  capacity: number;
  /** Requests waiting at once, whatever they wait for; one more is refused at once. */
  maxWaiting: number;
  /** How long a request may wait for room (ADMISSION_WAIT_MS); 0 refuses at once. */
  waitMs: number;
}

/** A request's hold on the registers it needs; giving a slot back twice is harmless. */
export interface Admission {
  /** Gives back the slot at one register (its call has ended), or without one every slot still held. */
  release(register?: RegisterId): void;
}

/** Why a request was not admitted: its wait ran out, the wait queue was full, or the caller went away. */
export type AdmissionRefusalReason = 'deadline' | 'queue-full' | 'abandoned';

/** How an admission ended, as the label of the wait histogram. */
export type AdmissionOutcome = 'admitted' | AdmissionRefusalReason;

/** A request not admitted, with the registers it found busy. */
export class AdmissionRefusedError extends Error {
  override name = 'AdmissionRefusedError';
  constructor(
    readonly reason: AdmissionRefusalReason,
    readonly busy: RegisterId[],
  ) {
    super(`not admitted (${reason}); busy: ${busy.join(', ')}`);
  }
}

interface Waiter {
  readonly registers: readonly RegisterId[];
  readonly since: number;
  /** Resolves or rejects the waiter's promise and stops its timer and abort listener. */
  settle(result: Admission | AdmissionRefusedError): void;
}

/**
 * Counts requests per register and queues, in arrival order, those that do not fit; each release admits every
 * waiter whose registers all have room. NOTE: a waiter holds no room at a register it is not blocked on, so it
 * may be overtaken there — else one slow register would stall requests that never ask it.
 */
export class AdmissionGate {
  /** Requests admitted per register; an instance without any has no entry (instances are directory data). */
  private readonly admitted = new Map<RegisterId, number>();
  /** Arrival order. Invariant between calls: none of them fits (every release runs admitWaiting). */
  private readonly waiters: Waiter[] = [];

  constructor(
    private readonly settings: AdmissionSettings,
    private readonly waits: Histogram<'admission'>,
  ) {}

  /** Requests waiting now. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Requests admitted to a register and not yet released. */
  admittedTo(register: RegisterId): number {
    return this.admitted.get(register) ?? 0;
  }

  /**
   * Admits a request for `registers` now, or once every one of them has room; rejects with AdmissionRefusedError
   * when the wait runs out, when the queue is full, or when `signal` aborts (the caller went away).
   */
  acquire(registers: readonly RegisterId[], signal?: AbortSignal): Promise<Admission> {
    const since = performance.now();
    if (signal?.aborted) return Promise.reject(this.refusal('abandoned', registers, since));
    if (this.fits(registers)) return Promise.resolve(this.take(registers, since));
    if (this.settings.waitMs === 0) return Promise.reject(this.refusal('deadline', registers, since));
    if (this.waiters.length >= this.settings.maxWaiting) return Promise.reject(this.refusal('queue-full', registers, since));

    return new Promise<Admission>((resolve, reject) => {
      const leave = (reason: AdmissionRefusalReason) => {
        const at = this.waiters.indexOf(waiter);
        if (at !== -1) this.waiters.splice(at, 1);
        waiter.settle(this.refusal(reason, registers, since));
      };
      const timer = setTimeout(() => leave('deadline'), this.settings.waitMs);
      const onAbort = () => leave('abandoned');
      const waiter: Waiter = {
        registers,
        since,
        settle: (result) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          if (result instanceof AdmissionRefusedError) reject(result);
          else resolve(result);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Admits, in arrival order, every waiting request whose registers all have room. */
  private admitWaiting(): void {
    for (let i = 0; i < this.waiters.length; ) {
      const waiter = this.waiters[i]!;
      if (!this.fits(waiter.registers)) {
        i++;
        continue;
      }
      this.waiters.splice(i, 1);
      waiter.settle(this.take(waiter.registers, waiter.since));
    }
  }

  private fits(registers: readonly RegisterId[]): boolean {
    return registers.every((r) => this.hasRoom(r));
  }

  private hasRoom(register: RegisterId): boolean {
    return this.admittedTo(register) < this.settings.capacity;
  }

  private take(registers: readonly RegisterId[], since: number): Admission {
    for (const r of registers) this.admitted.set(r, this.admittedTo(r) + 1);
    this.waits.observe({ admission: 'admitted' }, (performance.now() - since) / 1000);
    const held = new Set(registers);
    return {
      release: (type) => {
        const giving = type === undefined ? [...held] : held.has(type) ? [type] : [];
        if (giving.length === 0) return;
        for (const t of giving) {
          held.delete(t);
          const left = this.admittedTo(t) - 1;
          if (left > 0) this.admitted.set(t, left);
          else this.admitted.delete(t);
        }
        this.admitWaiting();
      },
    };
  }

  private refusal(reason: AdmissionRefusalReason, registers: readonly RegisterId[], since: number): AdmissionRefusedError {
    this.waits.observe({ admission: reason }, (performance.now() - since) / 1000);
    return new AdmissionRefusedError(reason, registers.filter((r) => !this.hasRoom(r)));
  }
}
