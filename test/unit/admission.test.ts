// The admission gate on its own (broker/evidence/admission.ts): who is let at the registers, who waits, in
// which order, and who is refused — counted per register instance (its directory id). No broker, no I/O;
// deadlines are real timers of a few tens of ms.
import { expect } from 'chai';
import { Histogram } from 'prom-client';
import { ConfigError, envToConfig, readEnv } from '../../broker/config/config.ts';
import { AdmissionGate, AdmissionRefusedError, type Admission, type AdmissionSettings } from '../../broker/evidence/admission.ts';

function gateWith(settings: Partial<AdmissionSettings> = {}) {
  const waits = new Histogram({ name: 'admission_wait_seconds', help: 'test', labelNames: ['admission'], buckets: [0.01, 0.1, 1], registers: [] });
  const gate = new AdmissionGate({ capacity: 1, maxWaiting: 10, waitMs: 5_000, ...settings }, waits);
  return { gate, waits };
}

/** What became of an acquire by the next turn of the event loop: admitted, refused (with its reason), or still waiting. */
async function stateOf(p: Promise<Admission>): Promise<'admitted' | 'waiting' | AdmissionRefusedError['reason']> {
  const settled = p.then(
    () => 'admitted' as const,
    (err: unknown) => (err as AdmissionRefusedError).reason,
  );
  return Promise.race([settled, new Promise<'waiting'>((resolve) => setImmediate(() => resolve('waiting')))]);
}

async function refusalOf(p: Promise<Admission>): Promise<AdmissionRefusedError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(AdmissionRefusedError);
    return err as AdmissionRefusedError;
  }
  throw new Error('was admitted');
}

describe('admission to the registers', () => {
  describe('when every register a request needs has room', () => {
    it('admits it at once and counts it against each of them until it is released', async () => {
      const { gate } = gateWith({ capacity: 2 });
      const held = await gate.acquire(['drv-rvbea', 'stv-bayern']);
      expect([gate.admittedTo('drv-rvbea'), gate.admittedTo('gkv-aok-bayern'), gate.admittedTo('stv-bayern')]).to.deep.equal([1, 0, 1]);
      held.release();
      expect([gate.admittedTo('drv-rvbea'), gate.admittedTo('stv-bayern')]).to.deep.equal([0, 0]);
    });

    it('gives a slot back only once, however often release is called', async () => {
      const { gate } = gateWith();
      const first = await gate.acquire(['drv-rvbea']);
      first.release();
      const second = await gate.acquire(['drv-rvbea']);
      first.release(); // again: must not free the slot the second request holds
      expect(gate.admittedTo('drv-rvbea')).to.equal(1);
      const third = gate.acquire(['drv-rvbea']);
      expect(await stateOf(third)).to.equal('waiting');
      second.release();
      (await third).release();
      expect(gate.admittedTo('drv-rvbea')).to.equal(0);
    });
  });

  describe('when one of its calls has ended', () => {
    it('gives back that register alone, to a request waiting for it', async () => {
      const { gate } = gateWith();
      const both = await gate.acquire(['drv-rvbea', 'stv-bayern']);
      const forIncome = gate.acquire(['stv-bayern']);
      const forSalary = gate.acquire(['drv-rvbea']);
      both.release('stv-bayern');
      expect(await stateOf(forIncome)).to.equal('admitted');
      expect(await stateOf(forSalary)).to.equal('waiting');
      both.release('stv-bayern'); // again: must not free the slot the other request holds now
      expect(gate.admittedTo('stv-bayern')).to.equal(1);
      both.release(); // the rest: drv-rvbea
      expect(await stateOf(forSalary)).to.equal('admitted');
      (await forIncome).release();
      (await forSalary).release();
      expect([gate.admittedTo('drv-rvbea'), gate.admittedTo('stv-bayern')]).to.deep.equal([0, 0]);
    });
  });

  describe('when a register it needs is full', () => {
    it('waits, and is admitted when a slot is given back', async () => {
      const { gate } = gateWith();
      const held = await gate.acquire(['drv-rvbea']);
      const waiting = gate.acquire(['drv-rvbea']);
      expect(await stateOf(waiting)).to.equal('waiting');
      expect(gate.waiting).to.equal(1);
      held.release();
      expect(await stateOf(waiting)).to.equal('admitted');
      expect(gate.waiting).to.equal(0);
      (await waiting).release();
    });

    it('admits the waiting requests in the order they came', async () => {
      const { gate } = gateWith();
      let holder = await gate.acquire(['drv-rvbea']);
      const order: string[] = [];
      const waiters = ['b', 'c', 'd'].map((name) => gate.acquire(['drv-rvbea']).then((a) => (order.push(name), a)));
      for (const next of waiters) {
        holder.release();
        holder = await next;
      }
      holder.release();
      expect(order).to.deep.equal(['b', 'c', 'd']);
    });

    it('does not hold up a later waiter whose registers have room again', async () => {
      const { gate } = gateWith();
      const salary = await gate.acquire(['drv-rvbea']);
      const income = await gate.acquire(['stv-bayern']);
      const forSalary = gate.acquire(['drv-rvbea']);
      const forIncome = gate.acquire(['stv-bayern']);
      income.release();
      expect(await stateOf(forIncome)).to.equal('admitted');
      expect(await stateOf(forSalary)).to.equal('waiting');
      salary.release();
      (await forSalary).release();
      (await forIncome).release();
    });

    it('is refused once the wait has run out, and leaves the queue', async () => {
      const { gate } = gateWith({ waitMs: 60 });
      const held = await gate.acquire(['drv-rvbea']);
      const started = performance.now();
      const refused = await refusalOf(gate.acquire(['drv-rvbea', 'stv-bayern']));
      expect(performance.now() - started).to.be.at.least(50);
      expect(refused.reason).to.equal('deadline');
      expect(refused.busy).to.deep.equal(['drv-rvbea']);
      expect(gate.waiting).to.equal(0);
      expect(gate.admittedTo('stv-bayern')).to.equal(0);
      held.release();
    });

    it('is refused at once when the wait is 0 (ADMISSION_WAIT_MS=0)', async () => {
      const { gate } = gateWith({ waitMs: 0 });
      const held = await gate.acquire(['drv-rvbea']);
      const p = gate.acquire(['drv-rvbea']);
      expect(gate.waiting).to.equal(0);
      expect(await stateOf(p)).to.equal('deadline');
      held.release();
    });

    it('is refused at once when as many requests as allowed are waiting already', async () => {
      const { gate } = gateWith({ maxWaiting: 2 });
      const held = await gate.acquire(['drv-rvbea']);
      const waiting = [gate.acquire(['drv-rvbea']), gate.acquire(['stv-bayern', 'drv-rvbea'])];
      const third = gate.acquire(['drv-rvbea']);
      expect(await stateOf(third)).to.equal('queue-full');
      expect(gate.waiting).to.equal(2);
      held.release();
      (await waiting[0]!).release();
      (await waiting[1]!).release();
      expect([gate.admittedTo('drv-rvbea'), gate.admittedTo('stv-bayern'), gate.waiting]).to.deep.equal([0, 0, 0]);
    });

    it('leaves the queue when the caller goes away, taking nothing', async () => {
      const { gate } = gateWith();
      const held = await gate.acquire(['drv-rvbea']);
      const gone = new AbortController();
      const abandoned = gate.acquire(['drv-rvbea', 'stv-bayern'], gone.signal);
      const behind = gate.acquire(['drv-rvbea']);
      gone.abort();
      expect((await refusalOf(abandoned)).reason).to.equal('abandoned');
      expect(gate.waiting).to.equal(1);
      held.release();
      expect(await stateOf(behind)).to.equal('admitted'); // the slot went to the next one, not to the one gone
      (await behind).release();
      expect([gate.admittedTo('drv-rvbea'), gate.admittedTo('stv-bayern'), gate.waiting]).to.deep.equal([0, 0, 0]);
    });

    it('refuses a request whose caller has gone already, counting nothing', async () => {
      const { gate } = gateWith();
      const p = gate.acquire(['drv-rvbea'], AbortSignal.abort());
      expect(await stateOf(p)).to.equal('abandoned');
      expect(gate.admittedTo('drv-rvbea')).to.equal(0);
    });
  });

  describe('a request for several registers', () => {
    it('is admitted to all of them at once or to none', async () => {
      const { gate } = gateWith();
      const salary = await gate.acquire(['drv-rvbea']);
      const all = gate.acquire(['drv-rvbea', 'gkv-aok-bayern', 'stv-bayern']);
      expect(await stateOf(all)).to.equal('waiting');
      expect([gate.admittedTo('gkv-aok-bayern'), gate.admittedTo('stv-bayern')]).to.deep.equal([0, 0]);
      salary.release();
      expect(await stateOf(all)).to.equal('admitted');
      expect([gate.admittedTo('drv-rvbea'), gate.admittedTo('gkv-aok-bayern'), gate.admittedTo('stv-bayern')]).to.deep.equal([1, 1, 1]);
      (await all).release();
    });

    it('goes before later requests for one of its registers once all of them have room', async () => {
      const { gate } = gateWith();
      const salary = await gate.acquire(['drv-rvbea']);
      const big = gate.acquire(['drv-rvbea', 'stv-bayern']);
      const small = gate.acquire(['drv-rvbea']);
      salary.release();
      expect(await stateOf(big)).to.equal('admitted');
      expect(await stateOf(small)).to.equal('waiting');
      (await big).release();
      (await small).release();
    });

    it('does not hold up a later request for a register that has room while it waits for another', async () => {
      const { gate } = gateWith();
      const salary = await gate.acquire(['drv-rvbea']);
      const big = gate.acquire(['drv-rvbea', 'stv-bayern']);
      const other = gate.acquire(['stv-bayern']);
      expect(await stateOf(other)).to.equal('admitted');
      // The price (admission.ts): income went to the later request; the earlier one now waits for it too.
      salary.release();
      expect(await stateOf(big)).to.equal('waiting');
      (await other).release();
      expect(await stateOf(big)).to.equal('admitted');
      (await big).release();
    });
  });

  it('records each wait by how it ended', async () => {
    const { gate, waits } = gateWith({ waitMs: 30, maxWaiting: 1 });
    const held = await gate.acquire(['drv-rvbea']);
    const timedOut = gate.acquire(['drv-rvbea']);
    await refusalOf(gate.acquire(['drv-rvbea']));
    await refusalOf(timedOut);
    held.release();
    const counts = Object.fromEntries(
      (await waits.get()).values.filter((v) => v.metricName === 'admission_wait_seconds_count').map((v) => [v.labels.admission, v.value]),
    );
    expect(counts).to.deep.equal({ admitted: 1, 'queue-full': 1, deadline: 1 });
  });
});

describe('ADMISSION_WAIT_MS', () => {
  it('defaults to 1000 ms and accepts 0 (refuse at once)', () => {
    expect(envToConfig(readEnv({})).admissionWaitMs).to.equal(1000);
    expect(envToConfig(readEnv({ ADMISSION_WAIT_MS: '0' })).admissionWaitMs).to.equal(0);
    expect(envToConfig(readEnv({ ADMISSION_WAIT_MS: '2500' })).admissionWaitMs).to.equal(2500);
  });
  it('stops on a negative or non-integer value', () => {
    expect(() => readEnv({ ADMISSION_WAIT_MS: '-1' })).to.throw(ConfigError, /^invalid ADMISSION_WAIT_MS:/);
    expect(() => readEnv({ ADMISSION_WAIT_MS: 'soon' })).to.throw(ConfigError, /^invalid ADMISSION_WAIT_MS:/);
  });
});
