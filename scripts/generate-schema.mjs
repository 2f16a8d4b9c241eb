// Writes schemas/flow.schema.json from ACTION_SPECS (src/core/flow/schema.ts): `npm run schema`.
// The schema test fails when the committed file differs from what this writes.
import * as esbuild from 'esbuild';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const root = new URL('..', import.meta.url);
const bundle = await esbuild.build({
  entryPoints: [new URL('src/core/flow/schema.ts', root).pathname],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  write: false,
  logLevel: 'warning',
});
const module = { exports: {} };
new Function('module', 'exports', 'require', bundle.outputFiles[0].text)(
  module,
  module.exports,
  createRequire(import.meta.url),
);
const target = new URL('schemas/flow.schema.json', root);
writeFileSync(target, module.exports.renderFlowSchema());
console.log(`wrote ${target.pathname}`);
