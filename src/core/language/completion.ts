/**
 * Completion at a place of a flow document: variables inside `{{ }}` / `${ }`, variables, result
 * keys, last response field names and functions inside expressions, action names after
 * `action:`, and an action's config keys. Each entry carries its kind and, when history has one,
 * its last value (masked by the caller's masker).
 */
import { ACTION_SPECS, KNOWN_ACTIONS } from '../flow/actionSpecs';
import { previewValue, type ValueMasker } from './display';
import type { EnvironmentVariable } from './environmentFiles';
import { stepValue, valueAtPath, type LastRun } from './lastRun';
import { stepAt, type FlowModel, type Span, type StepInfo } from './model';
import type { LineIndex } from './parsedFlows';
import { EXPRESSION_FUNCTIONS, RESULT_KEYS, scopeOf, visibleVariables } from './resolve';

export type CompletionKind =
  'output' | 'step' | 'env' | 'environment' | 'builtin' | 'item' | 'result' | 'field' | 'function' | 'action' | 'key';

export interface CompletionEntry {
  label: string;
  kind: CompletionKind;
  /** One line: where it comes from, and the last value. */
  detail: string;
  documentation?: string;
  /** Replaces the typed prefix: [replace.start, cursor). */
  replace: Span;
  /** Text to insert instead of the label (closing braces, `: `). */
  insertText?: string;
  /** Sorts nearer definitions first. */
  sortText: string;
}

export type CompletionSite =
  | { kind: 'placeholder'; prefix: string; start: number; step?: StepInfo; closed: boolean; dollar: boolean }
  | { kind: 'expression'; prefix: string; start: number; step: StepInfo }
  | { kind: 'action'; prefix: string; start: number }
  | { kind: 'configKey'; prefix: string; start: number; step: StepInfo };

export interface CompletionInputs {
  lastRun?: LastRun;
  environment: readonly EnvironmentVariable[];
  masker: ValueMasker;
  /** A JSON-schema completion (Red Hat's YAML extension) already offers actions and keys. */
  schemaCompletionActive: boolean;
}

const WORD_BEFORE = /[A-Za-z_][A-Za-z0-9_.-]*$|$/;

/** What kind of completion the cursor at `offset` asks for, if any. */
export function completionSite(model: FlowModel, lines: LineIndex, offset: number): CompletionSite | undefined {
  const { line, character } = lines.position(offset);
  const before = lines.lineText(line).slice(0, character);
  const step = stepAt(model, offset);
  const open = Math.max(before.lastIndexOf('{{'), before.lastIndexOf('${'));
  if (open >= 0) {
    const inner = before.slice(open + 2);
    if (!inner.includes('}')) {
      const prefix = inner.trimStart();
      const after = lines.lineText(line).slice(character);
      const dollar = before[open] === '$';
      return {
        kind: 'placeholder',
        prefix,
        start: offset - prefix.length,
        step,
        closed: dollar ? /^[A-Za-z0-9_.-]*\s*\}/.test(after) : /^[A-Za-z0-9_.-]*\s*\}\}/.test(after),
        dollar,
      };
    }
  }
  const action = /^\s*(?:-\s+)?action:\s*([A-Za-z0-9_.]*)$/.exec(before);
  if (action) return { kind: 'action', prefix: action[1], start: offset - action[1].length };
  if (step) {
    const expression = model.expressions.find((e) => e.step === step && e.span.start <= offset && offset <= e.span.end);
    const typingWhen = /^\s*(?:-\s+)?when:\s*\S/.test(before) || /^\s*(?:-\s+)?condition:\s*\S/.test(before);
    if (expression || typingWhen) {
      const prefix = WORD_BEFORE.exec(before)![0];
      return { kind: 'expression', prefix, start: offset - prefix.length, step };
    }
    const key = /^(\s*)([A-Za-z_]*)$/.exec(before);
    if (key && step.configSpan && isInConfig(model, lines, step, line, key[1].length))
      return { kind: 'configKey', prefix: key[2], start: offset - key[2].length, step };
  }
  return undefined;
}

/** A line at `indent` inside the step's `config:` mapping, at the level of its keys. */
function isInConfig(model: FlowModel, lines: LineIndex, step: StepInfo, line: number, indent: number): boolean {
  const configKey = step.keys.find((k) => k.key === 'config');
  if (!configKey) return false;
  const keyPos = lines.position(configKey.span.start);
  if (line <= keyPos.line) return false;
  const first = step.configKeys[0];
  const expected = first ? lines.position(first.span.start).character : keyPos.character + 2;
  if (indent !== expected) return false;
  // Not inside a nested step: the innermost step must be this one (checked by the caller), and
  // the line must not be past the end of the step.
  return lines.offset(line, 0) <= step.span.end + 1 || step === model.steps[model.steps.length - 1];
}

export function completions(
  model: FlowModel,
  site: CompletionSite,
  offset: number,
  inputs: CompletionInputs,
): CompletionEntry[] {
  const replace = { start: site.start, end: offset };
  switch (site.kind) {
    case 'placeholder': {
      const entries = variableEntries(model, site.step, site.prefix, replace, inputs, false);
      if (!site.closed) for (const e of entries) e.insertText = `${e.insertText ?? e.label}${site.dollar ? '}' : '}}'}`;
      return entries;
    }
    case 'expression':
      return variableEntries(model, site.step, site.prefix, replace, inputs, true);
    case 'action':
      if (inputs.schemaCompletionActive) return [];
      return KNOWN_ACTIONS.map((name, i) => ({
        label: name,
        kind: 'action' as const,
        detail: 'action',
        documentation: ACTION_SPECS[name].description,
        replace,
        sortText: pad(i),
      }));
    case 'configKey': {
      if (inputs.schemaCompletionActive) return [];
      const spec = Object.prototype.hasOwnProperty.call(ACTION_SPECS, site.step.action)
        ? ACTION_SPECS[site.step.action]
        : undefined;
      if (!spec) return [];
      const present = new Set(site.step.configKeys.map((k) => k.key));
      return Object.entries(spec.config)
        .filter(([key]) => !present.has(key))
        .map(([key, keySpec], i) => ({
          label: key,
          kind: 'key' as const,
          detail: `${site.step.action} config: ${keySpec.type}${keySpec.required ? ', required' : ''}`,
          documentation:
            keySpec.description +
            (keySpec.default !== undefined ? ` Default: ${JSON.stringify(keySpec.default)}.` : ''),
          insertText: `${key}: `,
          replace,
          sortText: `${keySpec.required ? 0 : 1}${pad(i)}`,
        }));
    }
  }
}

function variableEntries(
  model: FlowModel,
  step: StepInfo | undefined,
  prefix: string,
  replace: Span,
  inputs: CompletionInputs,
  expression: boolean,
): CompletionEntry[] {
  const dot = prefix.lastIndexOf('.');
  if (dot >= 0) {
    const memberReplace = { start: replace.start + dot + 1, end: replace.end };
    return memberEntries(model, step, prefix.slice(0, dot).split('.'), memberReplace, inputs, expression);
  }
  const { masker, lastRun } = inputs;
  const out: CompletionEntry[] = [];
  const seen = new Set<string>();
  const add = (entry: Omit<CompletionEntry, 'replace' | 'sortText'> & Partial<CompletionEntry>, group: number) => {
    if (seen.has(entry.label)) return;
    seen.add(entry.label);
    entry.replace = replace;
    entry.sortText = `${group}${pad(out.length)}`;
    out.push(entry as CompletionEntry);
  };
  const last = (value: unknown, name: string) =>
    value === undefined ? '' : ` = ${previewValue(masker.mask(name, value))}`;
  if (expression && step) {
    const own = lastRun?.steps.get(step.id)?.result;
    for (const key of RESULT_KEYS)
      add({ label: key, kind: 'result', detail: `result of this step${last(valueAtPath(own, [key]), key)}` }, 0);
  }
  for (const v of visibleVariables(model, step, expression)) {
    switch (v.kind) {
      case 'item':
        add({ label: v.name, kind: 'item', detail: `for_each item of '${v.step!.id}'` }, 1);
        break;
      case 'index':
        add({ label: v.name, kind: 'item', detail: `for_each index of '${v.step!.id}'` }, 1);
        break;
      case 'output': {
        const value = lastRun?.steps.get(v.output!.step.id)?.outputs[v.output!.name];
        add(
          {
            label: v.name,
            kind: 'output',
            detail: `output of step '${v.output!.step.id}' (${v.output!.path})${last(value, v.output!.name)}`,
          },
          v.name.includes('.') ? 3 : 2,
        );
        break;
      }
      case 'step': {
        const run = lastRun?.steps.get(v.step!.id);
        add(
          {
            label: v.name,
            kind: 'step',
            detail: `step '${v.step!.id}' (${v.step!.action || 'no action'}): its result and outputs${run ? `, last ${run.status}` : ''}`,
          },
          4,
        );
        break;
      }
      case 'env':
        add({ label: v.name, kind: 'env', detail: `flow env${last(v.entry!.value ?? undefined, v.name)}` }, 5);
        break;
      case 'builtin':
        break;
    }
  }
  for (const variable of inputs.environment) {
    add(
      {
        label: variable.name,
        kind: 'environment',
        detail: `${variable.source === 'env_file' ? 'env_file' : variable.source === '.testmesh.yaml' ? '.testmesh.yaml environment' : 'environment'}${last(variable.value, variable.name)}`,
      },
      6,
    );
  }
  for (const v of visibleVariables(model, undefined))
    if (v.kind === 'builtin')
      add({ label: v.name, kind: 'builtin', detail: 'built-in, computed when the step runs' }, 7);
  if (expression)
    for (const [name, doc] of Object.entries(EXPRESSION_FUNCTIONS))
      add({ label: name, kind: 'function', detail: doc }, 8);
  return out;
}

/** After `step.`, `step.body.`, `body.`, `headers.`: outputs, result keys and the last value's field names. */
function memberEntries(
  model: FlowModel,
  step: StepInfo | undefined,
  path: string[],
  replace: Span,
  inputs: CompletionInputs,
  expression: boolean,
): CompletionEntry[] {
  const { lastRun, masker } = inputs;
  const out: CompletionEntry[] = [];
  const add = (label: string, kind: CompletionKind, detail: string) => {
    if (!out.some((e) => e.label === label)) out.push({ label, kind, detail, replace, sortText: pad(out.length) });
  };
  const scope = scopeOf(model);
  const target = scope.stepBefore(path[0], step);
  let base: unknown;
  let basePath = path.join('.');
  if (target) {
    const run = lastRun?.steps.get(target.id);
    if (path.length === 1) {
      for (const output of target.outputs) {
        const value = run?.outputs[output.name];
        add(
          output.name,
          'output',
          `output (${output.path})${value === undefined ? '' : ` = ${previewValue(masker.mask(output.name, value))}`}`,
        );
      }
      for (const key of RESULT_KEYS) if (key !== 'response') add(key, 'result', `result of step '${target.id}'`);
    }
    base = run ? valueAtPath(stepValue(run), path.slice(1)) : undefined;
  } else if (expression && step && RESULT_KEYS.includes(path[0])) {
    const own = lastRun?.steps.get(step.id)?.result;
    base = valueAtPath(path[0] === 'response' ? own : own, path[0] === 'response' ? path.slice(1) : path);
  } else {
    return out;
  }
  if (base !== null && typeof base === 'object' && !Array.isArray(base)) {
    for (const [key, value] of Object.entries(base as Record<string, unknown>).slice(0, 200)) {
      add(key, 'field', `last value${` = ${previewValue(masker.mask(`${basePath}.${key}`, value))}`}`);
    }
  } else if (Array.isArray(base) && base.length) {
    basePath = `${basePath}.0`;
    add('0', 'field', `first item = ${previewValue(masker.mask(basePath, base[0]))}`);
  }
  return out;
}

function pad(n: number): string {
  return String(n).padStart(4, '0');
}
