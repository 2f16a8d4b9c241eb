/**
 * One load in a fresh process (bench/loading.ts starts it): what the CLI pays for a flow file,
 * cold code and an empty heap included. `node out/bench/loadOnce.js ours|json|yaml <file>` reads the
 * file, times one parse and prints {"wallMs", "cpuMs"} as JSON. `ours` is parseFlowText with every
 * source range; `json` is JSON.parse of the same data written as JSON; `yaml` is the yaml
 * package's parseDocument (what loading used before the subset parser).
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { parseFlowText } from '../src/core/flow/load';

const [mode, file] = process.argv.slice(2);
const text = readFileSync(file, 'utf8');
const parse: Record<string, () => unknown> = {
  ours: () => {
    const { flow, diagnostics } = parseFlowText(text, file, { maxBytes: 64 * 1024 * 1024 });
    if (!flow) throw new Error(`the bench flow does not load: ${JSON.stringify(diagnostics.slice(0, 3))}`);
    return flow;
  },
  json: () => JSON.parse(text),
  yaml: () => parseDocument(text, { uniqueKeys: false }),
};
if (!parse[mode]) throw new Error(`mode must be ours, json or yaml, got ${mode}`);
const cpu = process.cpuUsage();
const started = performance.now();
parse[mode]();
const wallMs = performance.now() - started;
const used = process.cpuUsage(cpu);
process.stdout.write(`${JSON.stringify({ wallMs, cpuMs: (used.user + used.system) / 1000 })}\n`);
