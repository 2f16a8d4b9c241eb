/**
 * Records test/fixtures/import/har/demo-api.har: headless Chromium (playwright-core,
 * /usr/bin/chromium) opens the demo API and, like a small web app would, logs in, reads who is
 * logged in, creates a user, reads it back and deletes it, with an analytics script on the page
 * (it cannot load here: no internet, which is fine, the importer leaves it out either way).
 *
 *   npx tsc -p tsconfig.test.json && node out/test/support/recordDemoHar.js
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = resolve(__dirname, '../../..');
const OUT = join(ROOT, 'test/fixtures/import/har/demo-api.har');

async function main(): Promise<void> {
  const server = spawn(process.execPath, [realpathSync(join(ROOT, 'examples/demo-api/server.mjs')), '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((done, fail) => {
    let seen = '';
    server.stdout!.setEncoding('utf8').on('data', (t: string) => {
      seen += t;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (m) done(m[1]);
    });
    server.on('exit', (code) => fail(new Error(`demo API exited with ${code}`)));
  });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    mkdirSync(join(ROOT, 'test/fixtures/import/har'), { recursive: true });
    const context = await browser.newContext({ recordHar: { path: OUT, content: 'embed' } });
    const page = await context.newPage();
    // The app's page: served by the demo API's /echo route, with an analytics tag.
    await page.route(`${url}/app`, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: '<!doctype html><title>Demo app</title><script async src="https://www.google-analytics.com/analytics.js"></script><h1>Demo app</h1>',
      }),
    );
    await page.goto(`${url}/app`);
    await page.evaluate(async (base) => {
      const json = async (path: string, init: RequestInit = {}) => {
        const res = await fetch(`${base}${path}`, init);
        return res.status === 204 ? null : res.json();
      };
      await json('/health');
      const login = await json('/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'demo', password: 'demo-password' }),
      });
      const auth = { Authorization: `Bearer ${login.token}` };
      await json('/auth/me', { headers: auth });
      const user = await json('/users', {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'Recorded User', email: 'recorded.user@example.com' }),
      });
      await json(`/users/${user.id}`, { headers: auth });
      await json(`/users/${user.id}`, { method: 'DELETE', headers: auth });
    }, url);
    await context.close();
  } finally {
    await browser.close();
    process.kill(server.pid!);
  }
  // The recording names the port it ran on; keep the fixture stable across recordings.
  const text = readFileSync(OUT, 'utf8').split(url).join('http://127.0.0.1:3000');
  writeFileSync(OUT, text);
  process.stdout.write(`recorded ${OUT}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
