/**
 * Editing features on a big flow (`npm run bench`, or `node out/bench/editing.js [--n N]`): every
 * provider (completion, hover, definition, references, rename, outline, workspace symbols, quick
 * fixes, inlay hints, unknown-variable findings) called the way VS Code calls it, through the real
 * provider classes and the fake `vscode`, on an N-step file (default 1000) with last values for
 * every step. Two timings per provider: warm (the document's parse is cached, the usual case:
 * hover, F12, completion while the text is unchanged) and after an edit (the first request on a
 * new text pays the YAML parse, validation and language model, which diagnostics and the Test
 * Explorer then reuse). The baseline, measured in the same run, is parseFlowText alone on the same
 * text. Budget: 50 ms per answer. Numbers are printed, never asserted. `--only TEXT` runs the
 * providers whose name contains TEXT (for `node --cpu-prof`).
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseFlowText } from '../src/core/flow/load';
import { createMasker } from '../src/core/language/display';
import { buildLastRun, type LastRun } from '../src/core/language/lastRun';
import { parsedFlows } from '../src/core/language/parsedFlows';
import { unknownVariables } from '../src/core/language/quickFixes';
import type { StepAttemptDetail, StepState } from '../src/core/history/types';
import { FlowCodeActionProvider } from '../src/extension/codeActions';
import { FlowCompletionProvider } from '../src/extension/completion';
import { FlowDefinitionProvider } from '../src/extension/definition';
import { FlowDocumentSymbolProvider } from '../src/extension/documentSymbols';
import { FlowHoverProvider } from '../src/extension/hover';
import { FlowInlayHintsProvider } from '../src/extension/inlayHints';
import { LanguageServices } from '../src/extension/languageServices';
import { FlowReferenceProvider } from '../src/extension/references';
import { FlowRenameProvider } from '../src/extension/rename';
import { SchemaCompletion } from '../src/extension/schemaCompletion';
import { FlowWorkspaceSymbolProvider } from '../src/extension/workspaceSymbols';
import { Diagnostic, FakeVSCode, Position, Range, type FakeTextDocument } from '../test/unit/extension/fakeVscode';

const BUDGET_MS = 50;

/** N http_request steps, each reading the previous step's output in its URL, a header and an assertion. */
export function editingFlowText(n: number): string {
  const lines = ['flow:', '  name: Editing bench', '  env:', '    API_VERSION: v1', '  steps:'];
  for (let i = 0; i < n; i++) {
    const previous = i === 0 ? 'API_VERSION' : `step_${i - 1}.item_id`;
    lines.push(
      `    - id: step_${i}`,
      `      name: Fetch item ${i}`,
      '      action: http_request',
      '      config:',
      `        url: "{{BASE_URL}}/items/{{${previous}}}?n=${i}"`,
      '        headers:',
      '          authorization: "Bearer {{token}}"',
      '      assert:',
      `        - status == 200 && body.id == ${i}`,
      '      output:',
      '        item_id: $.body.id',
      '        token: $.body.token',
    );
  }
  return `${lines.join('\n')}\n`;
}

function syntheticLastRun(n: number): LastRun {
  const states: StepState[] = [];
  const details: StepAttemptDetail[] = [];
  for (let i = 0; i < n; i++) {
    states.push({
      step_id: `step_${i}`,
      step_name: `Fetch item ${i}`,
      action: 'http_request',
      phase: 'steps',
      status: 'completed',
      attempt: 1,
      duration_ms: 3,
    });
    details.push({
      step_id: `step_${i}`,
      attempt: 1,
      response: {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: { id: i, token: `secret-${i}`, name: `item ${i}` },
        size_bytes: 40,
        duration_ms: 3,
      },
      outputs: { item_id: i, token: `secret-${i}` },
    });
  }
  return buildLastRun('bench', 'completed', undefined, states, details);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function fmt(n: number, digits = 2): string {
  return n.toFixed(digits);
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function positionOf(text: string, needle: string, delta = 0): import('vscode').Position {
  const at = text.lastIndexOf(needle);
  if (at < 0) throw new Error(`'${needle}' not in the bench flow`);
  const before = text.slice(0, at + delta).split('\n');
  return new Position(before.length - 1, before[before.length - 1].length) as unknown as import('vscode').Position;
}

export async function benchEditing(n = 1000, rounds = 15, only?: string): Promise<void> {
  const root = '/bench-workspace';
  const file = join(root, 'flows', 'editing.flow.yaml');
  const text = editingFlowText(n);
  const fake = new FakeVSCode();
  fake.addFolder(root, 'ws');
  const editor = fake.open(file, text);
  const fakeDoc = editor.document as FakeTextDocument;
  const doc = fakeDoc as unknown as import('vscode').TextDocument;
  const lastRun = syntheticLastRun(n);
  const services = new LanguageServices({
    vscode: fake.vscode,
    log: fake.vscode.window.createOutputChannel('bench', { log: true }),
    manager: () => undefined,
    selectedEnvironment: () => undefined,
    secretValues: async () => [],
    flowFiles: () => [{ file, name: 'Editing bench' }],
  });
  // History is read once per finished run, not per request: hand the providers a loaded one.
  services.lastRun = async () => lastRun;
  services.environment = async () => [
    {
      name: 'BASE_URL',
      value: 'http://127.0.0.1:1',
      file: join(root, '.env'),
      line: 0,
      column: 0,
      source: 'environment',
    },
  ];
  const masker = createMasker([]);
  services.masker = async () => masker;

  const last = n - 1;
  const completionText = text.replace(`{{step_${last - 1}.item_id}}?n=${last}`, `{{}}?n=${last}`);
  const diagnostic = new Diagnostic(new Range(0, 0, 0, 1), "unknown variable 'tokn' (did you mean 'token'?)", 2);
  diagnostic.source = 'testmesh';
  const cases: Array<{ name: string; run: () => unknown }> = [
    {
      name: 'completion in {{ }} (last step)',
      run: () =>
        new FlowCompletionProvider(services, new SchemaCompletion(fake.vscode)).provideCompletionItems(
          doc,
          positionOf(doc.getText(), `{{}}?n=${last}`, 2),
        ),
    },
    {
      name: 'hover on a placeholder (last step)',
      run: () => new FlowHoverProvider(services).provideHover(doc, positionOf(doc.getText(), `?n=${last}`, -4)),
    },
    {
      name: 'hover on a step id (last step)',
      run: () => new FlowHoverProvider(services).provideHover(doc, positionOf(doc.getText(), `id: step_${last}`, 6)),
    },
    {
      name: 'definition of {{step.output}}',
      run: () =>
        new FlowDefinitionProvider(services).provideDefinition(doc, positionOf(doc.getText(), `?n=${last}`, -4)),
    },
    {
      name: 'references of an output (1000 uses)',
      run: () =>
        new FlowReferenceProvider(services).provideReferences(doc, positionOf(doc.getText(), 'token: $.body.token'), {
          includeDeclaration: true,
        }),
    },
    {
      name: 'rename a step id',
      run: () =>
        new FlowRenameProvider(services).provideRenameEdits(doc, positionOf(doc.getText(), 'id: step_0', 5), 'first'),
    },
    {
      name: 'document symbols (outline)',
      run: () => new FlowDocumentSymbolProvider(services).provideDocumentSymbols(doc),
    },
    {
      name: 'workspace symbols',
      run: () => new FlowWorkspaceSymbolProvider(services).provideWorkspaceSymbols('item 99'),
    },
    {
      name: 'code actions (quick fixes)',
      run: () =>
        new FlowCodeActionProvider(services, () => undefined).provideCodeActions(
          doc,
          diagnostic.range as never,
          { diagnostics: [diagnostic] } as never,
        ),
    },
    {
      name: 'inlay hints (whole file)',
      run: () =>
        new FlowInlayHintsProvider(services).provideInlayHints(doc, new Range(0, 0, doc.lineCount, 0) as never),
    },
    {
      name: 'unknown-variable findings',
      run: () => unknownVariables(services.parse(doc)!.model, new Set(['BASE_URL'])),
    },
  ];

  // Baseline: the loader alone on the same text (what diagnostics paid before this cache existed).
  const parseTimes: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    parseFlowText(`${text}#${i}\n`, file);
    parseTimes.push(performance.now() - started);
  }
  const parseMs = median(parseTimes);

  // The real parse of each version (YAML, validation, language model): made once, shared by
  // diagnostics, the Test Explorer and every provider, off the request path for big documents.
  const versionTimes: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    void parsedFlows.get(file, `${text}#v${i}\n`).model.steps;
    versionTimes.push(performance.now() - started);
  }
  const versionMs = median(versionTimes);

  const rows = [['provider', 'warm ms', 'after edit ms', 'after edit / parse', `within ${BUDGET_MS} ms`]];
  let edits = 0;
  for (const c of cases.filter((x) => !only || x.name.includes(only))) {
    const isCompletion = c.name.startsWith('completion');
    const base = isCompletion ? completionText : text;
    fake.edit(fakeDoc, base);
    await c.run(); // warm-up
    const warm: number[] = [];
    const cold: number[] = [];
    for (let i = 0; i < rounds; i++) {
      let started = performance.now();
      await c.run();
      warm.push(performance.now() - started);
      // An edit: a comment at the end keeps every position valid.
      fake.edit(fakeDoc, `${base}# edit ${++edits}\n`);
      started = performance.now();
      await c.run();
      cold.push(performance.now() - started);
    }
    const w = median(warm);
    const k = median(cold);
    rows.push([c.name, fmt(w), fmt(k), `${fmt(k / parseMs)}x`, Math.max(w, k) <= BUDGET_MS ? 'yes' : 'NO']);
  }
  parsedFlows.clear();
  console.log(
    `Editing features on a ${n}-step flow (${(text.length / 1024).toFixed(0)} KiB), median of ${rounds} rounds; fake vscode, real providers; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${cpus().length} CPUs\n`,
  );
  console.log(table(rows));
  console.log(
    `\nbaseline: parseFlowText alone on the same text ${fmt(parseMs)} ms; the shared parse of a version (parseFlowText + language model) ${fmt(versionMs)} ms, made once per version by diagnostics/discovery`,
  );
  console.log(
    '"after edit": the first request on a changed text answers from the previous parse carried over to the new text (big documents only; the real parse follows).',
  );
}

if (require.main === module) {
  const arg = (name: string) =>
    process.argv.indexOf(name) >= 0 ? process.argv[process.argv.indexOf(name) + 1] : undefined;
  const n = Number(arg('--n') ?? 1000);
  benchEditing(Number.isInteger(n) && n > 0 ? n : 1000, 15, arg('--only')).then(
    () => process.exit(0),
    (err) => {
      console.error(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    },
  );
}
