// Prometheus: Node's standard metric names without a prefix, one meaning per label name, and METRICS_PORT.
import { expect } from 'chai';
import { testDatabase } from '../helpers/databases.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

/** Every label name per metric family in a Prometheus text exposition. */
function labelNamesByMetric(text: string): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  for (const m of text.matchAll(/^([a-zA-Z_:][\w:]*)\{([^}]*)\}/gm)) {
    const family = m[1]!.replace(/_(bucket|sum|count)$/, '');
    const names = found.get(family) ?? new Set<string>();
    for (const pair of m[2]!.matchAll(/([a-zA-Z_]\w*)="/g)) if (pair[1] !== 'le') names.add(pair[1]!);
    found.set(family, names);
  }
  return found;
}

describe('Prometheus metrics', () => {
  describe('on the main port (no METRICS_PORT)', () => {
    let h: Harness;
    before(async () => {
      h = await startHarness((await testDatabase('sqlite'))!);
    });
    after(async () => h?.close());

    it("has Node's standard process and nodejs metrics under their standard names, without a prefix", async () => {
      // A request first, so the broker's own labelled series exist too.
      await h.call('GET', '/v1/me');
      const res = await fetch(`${h.url}/metrics`);
      expect(res.status).to.equal(200);
      const text = await res.text();
      expect(text).to.match(/^process_cpu_user_seconds_total \d/m);
      expect(text).to.match(/^nodejs_eventloop_lag_seconds \d/m);
      expect(text).not.to.match(/^broker_(process|nodejs)_/m);
      expect(h.broker.metricsUrl).to.equal(null);
    });

    it('uses each label name of the broker\'s own metrics for one dimension only', async () => {
      const text = await (await fetch(`${h.url}/metrics`)).text();
      // The meaning of each label name; a new one must be added here, deliberately.
      const meaning: Record<string, string> = {
        method: 'HTTP method',
        route: 'route pattern',
        status: 'HTTP status',
        register: 'register instance id',
        outcome: 'register call outcome',
        code: 'error code',
        reason: 'load refusal reason',
        refusal: 'consent refusal',
        admission: 'how an admission wait ended',
        cause: 'database busy cause',
      };
      const help = [...text.matchAll(/^# HELP (broker_\w+) /gm)].map((m) => m[1]!);
      expect(help.length).to.be.greaterThan(5);
      // The label names each metric declares (from the registry, so metrics without samples yet count too).
      const declared = new Map<string, string[]>();
      const registry = h.broker.ctx.metrics.registry;
      for (const { name } of await registry.getMetricsAsJSON()) {
        if (!name.startsWith('broker_')) continue;
        declared.set(name, [...((registry.getSingleMetric(name) as unknown as { labelNames?: string[] }).labelNames ?? [])]);
      }
      expect(declared.get('broker_consent_refusals_total')).to.deep.equal(['refusal']);
      for (const [name, labels] of labelNamesByMetric(text)) if (name.startsWith('broker_')) declared.set(name, [...new Set([...(declared.get(name) ?? []), ...labels])]);
      for (const [name, labels] of declared) for (const label of labels) expect(meaning, `${name} has label ${label}`).to.have.property(label);
      // 'reason' is the load refusals' label only, 'outcome' the register calls' only.
      const users = (label: string) => [...declared].filter(([, labels]) => labels.includes(label)).map(([name]) => name);
      expect(users('reason').every((n) => n === 'broker_load_refusals_total'), users('reason').join()).to.equal(true);
      expect(users('outcome').every((n) => n === 'broker_register_request_duration_seconds'), users('outcome').join()).to.equal(true);
    });
  });

  describe('with METRICS_PORT', () => {
    let h: Harness;
    before(async () => {
      h = await startHarness((await testDatabase('sqlite'))!, { config: { metricsPort: 0 } });
    });
    after(async () => h?.close());

    it('serves /metrics on its own port and answers 404 for it on the main port', async () => {
      expect(h.broker.metricsUrl).to.be.a('string');
      expect(h.broker.metricsUrl).not.to.equal(h.url);
      const separate = await fetch(`${h.broker.metricsUrl}/metrics`);
      expect(separate.status).to.equal(200);
      expect(separate.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
      const text = await separate.text();
      expect(text).to.match(/^process_cpu_user_seconds_total \d/m);
      expect(text).to.match(/^# HELP broker_http_requests_total /m);
      expect((await fetch(`${h.url}/metrics`)).status).to.equal(404);
      // The metrics port serves nothing else; the main port still serves the API.
      expect((await fetch(`${h.broker.metricsUrl}/healthz`)).status).to.equal(404);
      expect((await fetch(`${h.url}/healthz`)).status).to.equal(200);
    });
  });
});
