/**
 * A small suite for the reporter tests, run through the real CLI against a real HTTP server:
 * a retried step, a for_each with nested steps, a `when: false` step (skipped), a failed
 * assertion on a value that holds a secret, a step after it (skipped), a flow cut by --timeout
 * (its later step cancelled), a passing flow and an invalid one.
 */
import { runCli } from '../../support/cli';
import { json, startServer, type TestServer } from '../helpers';

export const SECRET = 's3cr3t-token-value';

export const cli = (args: string[], cwd: string, env: Record<string, string> = {}) => runCli(args, { cwd, env });

/** /flaky answers 503 twice, then 200 (per run: call reset() before each). */
export async function startShopApi(): Promise<TestServer & { reset(): void }> {
  let flaky = 0;
  const server = await startServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/flaky') return json(res, ++flaky % 3 === 0 ? 200 : 503, { call: flaky });
    if (url.startsWith('/items/')) return json(res, 200, { id: url.slice('/items/'.length) });
    if (url === '/echo') return json(res, 200, { auth: req.headers.authorization ?? null });
    if (url === '/health') return json(res, 200, { ok: true });
    if (url === '/slow') {
      const timer = setTimeout(() => json(res, 200, {}), 10_000);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    json(res, 404, { error: 'not found' });
  });
  return Object.assign(server, { reset: () => (flaky = 0) });
}

export const SHOP_FLOW = `flow:
  name: Shop | checkout
  steps:
    - id: flaky
      name: Flaky endpoint
      action: http_request
      config: { url: "\${BASE_URL}/flaky" }
      assert: [status == 200]
      retry: { max_attempts: 3, delay: 10ms }
    - id: items
      name: Each item
      action: for_each
      config:
        items: [1, 2]
        steps:
          - id: get_item
            name: Get item
            action: http_request
            config: { url: "\${BASE_URL}/items/{{item}}" }
            assert: [status == 200]
    - id: optional
      name: Only on Sundays
      action: log
      when: "false"
      config: { message: never }
    - id: check
      name: Token is echoed
      action: http_request
      config:
        url: "\${BASE_URL}/echo"
        headers: { Authorization: "Bearer {{API_TOKEN}}" }
      assert:
        - status == 200
        - body.auth == "nope"
    - id: after
      name: Never reached
      action: log
      config: { message: not reached }
  teardown:
    - id: cleanup
      name: Clean up
      action: log
      config: { message: cleaned up }
`;

export const SLOW_FLOW = `flow:
  name: Slow
  steps:
    - id: wait
      name: Slow call
      action: http_request
      config: { url: "\${BASE_URL}/slow" }
    - id: next
      name: After the slow call
      action: log
      config: { message: next }
  teardown:
    - id: bye
      name: Say goodbye
      action: log
      config: { message: bye }
`;

export const HEALTH_FLOW = `flow:
  name: Health
  steps:
    - id: health
      name: GET /health
      action: http_request
      config: { url: "\${BASE_URL}/health" }
      assert: [status == 200]
`;

/** Refused as a whole, as TestMesh's own loader refuses it: an http_request without a url. */
export const BROKEN_FLOW = `flow:
  name: Broken
  steps:
    - id: x
      action: http_request
`;

/** The suite's files under `project/flows/`, as tempWorkspace takes them. */
export function shopSuite(prefix = 'project/'): Record<string, string> {
  return {
    [`${prefix}flows/shop.flow.yaml`]: SHOP_FLOW,
    [`${prefix}flows/slow.flow.yaml`]: SLOW_FLOW,
    [`${prefix}flows/ok.flow.yaml`]: HEALTH_FLOW,
    [`${prefix}flows/broken.flow.yaml`]: BROKEN_FLOW,
  };
}

/** Durations vary from run to run; exact-output tests compare them as `<t>`. */
export function withoutTimes(text: string): string {
  return text
    .replace(/\b\d+(\.\d+)? (ms|s)\b|\b\d+m \d\ds\b/g, '<t>')
    .replace(/time="[\d.]+"/g, 'time="<t>"')
    .replace(/Generated [^<]*/g, 'Generated <t>');
}
