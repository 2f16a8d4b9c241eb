/**
 * prometheus.query / prometheus.assert against a real Prometheus server (Debian's, started by
 * test/support/prometheus.ts) scraping an app of the test's own, which exposes a counter the test
 * moves. Without prometheus the tests are skipped loudly, except in CI, where that is a failure.
 */
import assert from 'node:assert/strict';
import { prometheusMissing, startPrometheus, type PrometheusServer } from '../../support/prometheus';
import { requireOrSkip } from '../../support/required';
import { runRecorded, startServer, stepOf, waitFor, type TestServer } from '../helpers';

describe('prometheus.* against Prometheus', function () {
  this.timeout(90_000);
  let app: TestServer | undefined;
  let prometheus: PrometheusServer | undefined;
  let orders = 0;

  before(async function () {
    this.timeout(90_000);
    requireOrSkip(this, 'prometheus.* server tests', prometheusMissing());
    app = await startServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(
        '# TYPE shop_orders_total counter\n' +
          `shop_orders_total{service="shop",region="eu"} ${orders}\n` +
          '# TYPE shop_up gauge\nshop_up 1\n',
      );
    });
    prometheus = await startPrometheus([`127.0.0.1:${app.port}`]);
    // The first scrape has to land before any query can see the series.
    await waitFor(
      async () => {
        const answer = await fetch(`${prometheus!.url}/api/v1/query?query=shop_up`).then((r) => r.json());
        return (answer as { data: { result: unknown[] } }).data.result.length > 0;
      },
      60_000,
      'the first scrape',
    );
  });

  after(async () => {
    await prometheus?.stop();
    await app?.close();
  });

  it("queries: the first series' value as a number and its labels; null when nothing matches", async () => {
    orders = 7;
    const r = await runRecorded(
      `
flow:
  name: prometheus query
  steps:
    - id: orders
      action: prometheus.assert
      config:
        url: "{{PROM}}"
        query: shop_orders_total{service="shop"}
        assert: ["value == 7"]
        within: 20s
    - id: labels
      action: prometheus.query
      config: { url: "{{PROM}}/", query: 'shop_orders_total', time: now }
      assert: ['value == 7', 'metric.region == "eu"', 'metric.__name__ == "shop_orders_total"']
      output:
        seen: $.value
    - id: none
      action: prometheus.query
      config: { url: "{{PROM}}", query: 'shop_orders_total{service="nobody"}' }
      assert: ["value == nil"]
    - id: scalar
      action: prometheus.query
      config: { url: "{{PROM}}", query: 'scalar(shop_up) * 2' }
      assert: ["value == 2"]
`,
      { PROM: prometheus!.url },
    );
    assert.equal(r.result.status, 'completed', JSON.stringify(r.result.steps, null, 2));
    assert.deepEqual(r.results.get('labels'), {
      value: 7,
      metric: {
        __name__: 'shop_orders_total',
        service: 'shop',
        region: 'eu',
        instance: `127.0.0.1:${app!.port}`,
        job: 'app',
      },
    });
    assert.equal(r.results.get('none')!.value, null);
  });

  it('asserts: keeps querying until the expressions hold, and fails after `within` with the last reason', async () => {
    orders = 7;
    const later = setTimeout(() => (orders = 12), 1500);
    try {
      const r = await runRecorded(
        `
flow:
  name: prometheus assert
  steps:
    - id: baseline
      action: prometheus.query
      config: { url: "{{PROM}}", query: sum(shop_orders_total) }
      output:
        baseline_count: $.value
    - id: grows
      action: prometheus.assert
      config:
        url: "{{PROM}}"
        query: sum(shop_orders_total)
        # As TestMesh's own example writes it: a variable captured earlier, next to the result's value.
        assert: ["value >= baseline_count + 5"]
        within: 30s
    - id: never
      action: prometheus.assert
      config:
        url: "{{PROM}}"
        query: sum(shop_orders_total)
        assert: ["value > 1000"]
        within: 2s
`,
        { PROM: prometheus!.url },
      );
      assert.equal(stepOf(r, 'grows').status, 'completed', stepOf(r, 'grows').error);
      const never = stepOf(r, 'never');
      assert.equal(never.status, 'failed');
      assert.match(never.error!, /^not met within 2\.00 s \(\d+ queries\): .*value > 1000/);
    } finally {
      clearTimeout(later);
    }
  });

  it('fails with what Prometheus said: a query that does not parse, a range vector, a server that is not Prometheus', async () => {
    const r = await runRecorded(
      `
flow:
  name: prometheus errors
  steps:
    - id: bad
      action: prometheus.query
      config: { url: "{{PROM}}", query: 'sum(' }
      on_error: continue
    - id: range
      action: prometheus.query
      config: { url: "{{PROM}}", query: 'shop_up[1m]' }
      on_error: continue
    - id: other
      action: prometheus.query
      config: { url: "{{APP}}", query: 'up' }
      on_error: continue
`,
      { PROM: prometheus!.url, APP: app!.url },
    );
    assert.match(stepOf(r, 'bad').error!, /^HTTP 400 from http:\/\/127\.0\.0\.1:\d+: bad_data: .*parse error/);
    assert.match(stepOf(r, 'range').error!, /gave a matrix, not an instant vector or scalar/);
    assert.match(stepOf(r, 'other').error!, /^HTTP 200 from http:\/\/127\.0\.0\.1:\d+: not a Prometheus API answer$/);
  });
});
