import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, CLI_SUITE_TIMEOUT_MS } from '../../support/cli';
import { tempDir } from '../helpers';
import { cli } from './importHelpers';

describe('CLI: testmesh import / export (curl)', function () {
  this.timeout(CLI_SUITE_TIMEOUT_MS);
  before(() => assert.ok(existsSync(CLI), 'dist/cli.js is built (npm test builds it first)'));

  it('imports curl from standard input, writes a valid flow and a .env, and exports it back', async () => {
    const dir = tempDir();
    const input = `curl -X POST "$BASE_URL/users" -H 'Authorization: Bearer s3cr3t-token' --json '{"name":"Ada"}'\ncurl -F a=@b https://x.test/upload\n`;
    const imported = await cli(['import', '-', '--from', 'curl', '--out', 'flows'], dir, input);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(
      imported.stdout,
      /created flows\/imported-curl-commands\.flow\.yaml {2}\(Imported curl commands: 2 steps\)/,
    );
    assert.match(imported.stdout, /created flows\/imported-curl-commands\.env/);
    assert.match(
      imported.stdout,
      /Not translated \(1; kept as comments at their steps\):\n {2}- curl command 2: -F "a=@b"/,
    );
    assert.match(imported.stdout, /Next: testmesh run flows --env-file flows\/imported-curl-commands\.env/);
    const env = readFileSync(join(dir, 'flows/imported-curl-commands.env'), 'utf8');
    assert.match(env, /^API_TOKEN=$/m);
    assert.match(env, /^BASE_URL=$/m);
    for (const file of readdirSync(join(dir, 'flows')))
      assert.ok(!readFileSync(join(dir, 'flows', file), 'utf8').includes('s3cr3t-token'), `${file} holds no secret`);

    const validated = await cli(['validate', 'flows'], dir);
    assert.equal(validated.code, 0, validated.stdout);

    const again = await cli(['import', '-', '--from', 'curl', '--out', 'flows'], dir, input);
    assert.match(again.stdout, /kept {4}flows\/imported-curl-commands\.flow\.yaml .* it exists; --force overwrites/);

    const exported = await cli(
      ['export', 'flows', '--to', 'curl', '--step', 'post_users', '--var', 'BASE_URL=http://127.0.0.1:9'],
      dir,
    );
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(
      exported.stdout,
      `# post_users: POST /users\ncurl -X POST http://127.0.0.1:9/users \\\n  -H "Authorization: Bearer \${API_TOKEN}" \\\n  -H 'Content-Type: application/json' \\\n  -H 'Accept: application/json' \\\n  --data-raw '{"name":"Ada"}'\n`,
    );
    const secret = await cli(
      ['export', 'flows', '--to', 'curl', '--step', 'post_users', '--var', 'API_TOKEN=tok-999'],
      dir,
    );
    assert.match(secret.stdout, /Authorization: Bearer \*\*\*/);
    const shown = await cli(
      ['export', 'flows', '--to', 'curl', '--step', 'post_users', '--var', 'API_TOKEN=tok-999', '--show-secrets'],
      dir,
    );
    assert.match(shown.stdout, /Authorization: Bearer tok-999/);
  });

  it('detects the format, keeps every path inside --out, and fails clearly on bad input', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, '..%2F..%2Fevil.sh'), 'curl https://x.test/\n');
    const ok = await cli(['import', '..%2F..%2Fevil.sh', '--out', 'out'], dir);
    assert.equal(ok.code, 0, ok.stderr);
    const written = readdirSync(join(dir, 'out'));
    assert.equal(written.length, 1);
    assert.match(written[0], /^[a-z0-9-]+evil\.flow\.yaml$/);
    assert.deepEqual(readdirSync(dir).sort(), ['..%2F..%2Fevil.sh', 'out']);

    writeFileSync(join(dir, 'unknown.txt'), 'hello world');
    const unknown = await cli(['import', 'unknown.txt'], dir);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /cannot tell the format of unknown\.txt: name it with --from curl\|postman\|openapi\|har/,
    );
    const missing = await cli(['import', 'nope.json'], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read file nope\.json: ENOENT/);
    const usage = await cli(['import', 'a', '--from', 'soap'], dir);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--from must be one of curl, postman, openapi, har/);
    const noTo = await cli(['export', 'out'], dir);
    assert.equal(noTo.code, 2);
    assert.match(noTo.stderr, /export needs --to/);
    const noStep = await cli(['export', 'out', '--to', 'curl', '--step', 'nope'], dir);
    assert.equal(noStep.code, 2);
    assert.match(noStep.stderr, /no step 'nope'/);
  });
});
