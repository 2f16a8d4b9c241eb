// The execution detail panel's host side: the HTML it builds (CSP, nonce, asset URIs), and the
// message protocol answered from a real ExecutionManager, with replay + live events in order.
import * as assert from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExecutionEvent } from '../../../src/core/events';
import { ExecutionPanel, PANEL_VIEW_TYPE, webviewHtml } from '../../../src/extension/panel';
import type { HostToWebviewMessage } from '../../../src/webview/protocol';
import { json, startServer, waitFor, type TestServer } from '../helpers';
import { Uri, type FakeWebviewPanel } from './fakeVscode';
import { createHarness, type Harness } from './harness';

const REPO = join(__dirname, '..', '..', '..', '..');

const FLOW = `flow:
  name: Panel flow
  steps:
    - id: one
      action: log
      config: { message: one }
    - id: slow
      action: http_request
      config:
        url: \${BASE_URL}/slow
    - id: three
      action: log
      config: { message: three }
`;

function responses(panel: FakeWebviewPanel): Array<HostToWebviewMessage & { kind: 'response' }> {
  return panel.posted.filter(
    (m): m is HostToWebviewMessage & { kind: 'response' } => (m as HostToWebviewMessage).kind === 'response',
  );
}

function eventsOf(panel: FakeWebviewPanel, subscription: number): ExecutionEvent[] {
  return panel.posted
    .filter(
      (m) =>
        (m as HostToWebviewMessage).kind === 'event' && (m as { subscription: number }).subscription === subscription,
    )
    .map((m) => (m as { event: ExecutionEvent }).event);
}

describe('extension: execution detail panel', () => {
  it('builds the page with a strict CSP, a nonce on every script, and webview asset URIs', () => {
    const template = readFileSync(join(REPO, 'media', 'index.html'), 'utf8');
    const html = webviewHtml(template, {
      cspSource: 'https://webview.test',
      nonce: 'N0NCE',
      asset: (name) => `https://webview.test/media/${name}`,
      route: '#/executions/abc',
    });
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    assert.ok(csp, html);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-N0NCE'/);
    assert.match(csp, /style-src https:\/\/webview\.test(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    assert.ok(scripts.length > 0);
    for (const tag of scripts) assert.match(tag, /nonce="N0NCE"/);
    assert.match(html, /src="https:\/\/webview\.test\/media\/webview\.js"/);
    assert.match(html, /href="https:\/\/webview\.test\/media\/webview\.css"/);
    assert.match(html, /<body data-route="#\/executions\/abc">/);
  });

  describe('host side of the protocol', () => {
    let api: TestServer;
    let h: Harness;
    let panel: ExecutionPanel;
    let slow: ServerResponse[] = [];

    before(async () => {
      api = await startServer((req: IncomingMessage, res: ServerResponse) => {
        if (req.url === '/slow') slow.push(res);
        else json(res, 404, {});
      });
    });

    after(async () => {
      await api.close();
    });

    beforeEach(async () => {
      slow = [];
      h = await createHarness({ 'flows/panel.flow.yaml': FLOW }, { environment: { BASE_URL: api.url } });
      panel = new ExecutionPanel({
        vscode: h.fake.vscode,
        extensionUri: Uri.file(REPO) as never,
        log: h.fake.logs[0] as never,
        manager: async () => h.manager,
        index: h.index,
        inputs: async () => h.inputs,
      });
    });

    afterEach(async () => {
      for (const res of slow) res.destroy();
      panel.dispose();
      await h.dispose();
    });

    async function finishedExecution(): Promise<string> {
      const summary = await h.manager.start({ flow_id: 'flows/panel.flow.yaml', environment: { BASE_URL: api.url } });
      await waitFor(() => slow.length === 1, 5000, 'the slow request');
      slow.shift()!.end('{}');
      await h.manager.whenFinished(summary.id);
      return summary.id;
    }

    it('opens a webview limited to media/, on the execution it names', async () => {
      const id = await finishedExecution();
      await panel.show(id);
      const webview = h.fake.panels[0];
      assert.strictEqual(webview.viewType, PANEL_VIEW_TYPE);
      assert.strictEqual(webview.webview.options.enableScripts, true);
      assert.deepStrictEqual(
        (webview.webview.options.localResourceRoots as Uri[]).map((u) => u.fsPath),
        [join(REPO, 'media')],
      );
      assert.match(webview.webview.html, new RegExp(`data-route="#/executions/${id}"`));
      assert.match(webview.webview.html, /src="https:\/\/webview\.test\/.*\/media\/webview\.js"/);

      // Showing another execution navigates the open page (after it said it is ready).
      webview.send({ kind: 'ready' });
      await panel.show('other-id');
      assert.strictEqual(h.fake.panels.length, 1);
      assert.deepStrictEqual(webview.posted.at(-1), { kind: 'navigate', route: '#/executions/other-id' });
    });

    it('answers requests from the manager, and errors as errors', async () => {
      const id = await finishedExecution();
      await panel.show();
      const webview = h.fake.panels[0];
      webview.send({ kind: 'request', id: 1, method: 'listExecutions', params: {} });
      webview.send({ kind: 'request', id: 2, method: 'getExecution', params: { execution_id: id } });
      webview.send({ kind: 'request', id: 3, method: 'getExecution', params: { execution_id: 'nope' } });
      webview.send({ kind: 'request', id: 4, method: 'listFlows', params: {} });
      webview.send({ kind: 'request', id: 5, method: 'getStepDetail', params: { execution_id: id, step_id: 'slow' } });
      webview.send({ kind: 'request', id: 6, method: 'getSummary', params: { execution_id: id } });
      await waitFor(() => responses(webview).length === 6, 5000, 'six responses');
      const summary = responses(webview).find((r) => r.id === 6)!;
      assert.ok(summary.ok && (summary.result as { id: string; status: string }).status === 'completed');
      const byId = new Map(responses(webview).map((r) => [r.id, r]));
      const list = byId.get(1)!;
      assert.ok(list.ok && (list.result as { total: number }).total === 1);
      const detail = byId.get(2)!;
      assert.ok(detail.ok);
      assert.deepStrictEqual(
        (detail.result as { steps: Array<{ step_id: string }> }).steps.map((s) => s.step_id),
        ['one', 'slow', 'three'],
      );
      const missing = byId.get(3)!;
      assert.ok(!missing.ok && /no execution nope/.test(missing.error));
      const flows = byId.get(4)!;
      assert.deepStrictEqual(flows.ok && flows.result, [
        { id: 'flows/panel.flow.yaml', name: 'Panel flow', file: 'flows/panel.flow.yaml', tags: [], errors: 0 },
      ]);
      const step = byId.get(5)!;
      assert.ok(step.ok && (step.result as Array<{ request?: { url: string } }>)[0].request?.url === `${api.url}/slow`);
    });

    it('replays after `since` and then pushes live events, each once and in order', async () => {
      const started = await h.manager.start({ flow_id: 'flows/panel.flow.yaml', environment: { BASE_URL: api.url } });
      await waitFor(() => slow.length === 1, 5000, 'the slow request');
      await panel.show(started.id);
      const webview = h.fake.panels[0];
      webview.send({
        kind: 'request',
        id: 10,
        method: 'subscribe',
        params: { subscription: 7, execution_id: started.id, since: 2 },
      });
      await waitFor(() => eventsOf(webview, 7).length >= 2, 5000, 'the replay');
      slow.shift()!.end('{}');
      await h.manager.whenFinished(started.id);
      await waitFor(
        () => eventsOf(webview, 7).some((e) => e.type === 'execution.completed'),
        5000,
        'the terminal event',
      );
      const seqs = eventsOf(webview, 7).map((e) => e.seq);
      const total = (await h.manager.eventsSince(started.id, 0))!.length;
      assert.deepStrictEqual(
        seqs,
        Array.from({ length: total - 2 }, (_, i) => i + 3),
      );
      // The answer to `subscribe` came before its first event.
      const answerAt = webview.posted.findIndex(
        (m) => (m as { kind: string; id?: number }).kind === 'response' && (m as { id: number }).id === 10,
      );
      const firstEventAt = webview.posted.findIndex((m) => (m as { kind: string }).kind === 'event');
      assert.ok(answerAt >= 0 && answerAt < firstEventAt);
    });

    it('starts flows the page triggers with the editor environment, and cancels them', async () => {
      await panel.show();
      const webview = h.fake.panels[0];
      webview.send({ kind: 'request', id: 1, method: 'trigger', params: { flow_id: 'flows/panel.flow.yaml' } });
      await waitFor(() => responses(webview).length === 1, 5000, 'the trigger answer');
      const answer = responses(webview)[0];
      assert.ok(answer.ok, JSON.stringify(answer));
      const id = (answer.result as { id: string }).id;
      await waitFor(
        () => slow.length === 1,
        5000,
        'the run to reach the slow step (BASE_URL from the editor environment)',
      );
      webview.send({ kind: 'request', id: 2, method: 'cancel', params: { execution_id: id } });
      const summary = await h.manager.whenFinished(id);
      assert.strictEqual(summary?.status, 'cancelled');
      // It shows in the Test Explorer as a run of its own.
      await waitFor(
        () => h.controller.runs.some((r) => r.ended && /Panel flow/.test(r.name ?? '')),
        5000,
        'the Test Explorer run',
      );
    });

    it('comes back after a window reload on the view it showed', async () => {
      const serializer = h.fake.serializers.get(PANEL_VIEW_TYPE)!;
      const { FakeWebviewPanel } = await import('./fakeVscode');
      const restored = new FakeWebviewPanel(PANEL_VIEW_TYPE, 'TestMesh execution', {});
      await serializer.deserializeWebviewPanel(restored, { hash: '#/executions/xyz' });
      assert.match(restored.webview.html, /data-route="#\/executions\/xyz"/);
      assert.strictEqual(panel.isOpen, true);
      restored.send({ kind: 'request', id: 1, method: 'listExecutions', params: {} });
      await waitFor(() => responses(restored).length === 1, 5000, 'an answer on the restored panel');
    });
  });
});
