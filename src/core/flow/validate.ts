/**
 * The flow rules: builds a FlowDef from a parsed YAML document and checks it against the flow
 * format and ACTION_SPECS, collecting every problem with its source range instead of stopping at
 * the first. Reading the YAML tree (positions, aliases, merge keys) is yamlReader.ts's.
 */
import { dirname, resolve as resolvePath } from 'node:path';
import type { LineCounter, Node as YamlNode, Scalar } from 'yaml';
import { parseDuration } from '../duration';
import { errorMessage, TestMeshError, type FlowDiagnostic, type Severity, type SourceRange } from '../errors';
import { checkExpressionSyntax } from '../expr';
import { normalizeOutputPath, parseOutputPath, PathError } from '../path';
import { hasPlaceholder } from '../template';
import { ambiguousReferences } from './ambiguousIds';
import {
  ACTION_SPECS,
  FLOW_KEYS,
  KNOWN_ACTIONS,
  unknownActionReason,
  RETRY_KEYS,
  STEP_KEYS,
  type ActionSpec,
  type ConfigKeySpec,
  type ShapeSpec,
} from './actionSpecs';
import { suggest } from './suggest';
import type { AssertionDef, FlowDef, Phase, RetryDef, StepBlock, StepDef } from './types';
import { isMap, isScalar, isSeq } from './yamlNodeKinds';
import { describe, describeValue, Entries, isEmptyList, setOwn, YamlReader, type Entry } from './yamlReader';
import { fastStart, type StepSink } from './yamlSubset';

const STEP_ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Lists up to this long are made at their final length; longer ones (hostile files) grow as usual. */
const PRESIZED_LIST = 64;

/** Where a step is: its phase, the step it is nested in, and its place in its list. */
interface StepPlace {
  phase: Phase;
  parentId?: string;
  /** Its default id (when it has none) is `<idPrefix>_<index>`: `steps_3`, `login.then_0`. */
  idPrefix: string;
  index: number;
}

/** Made only when needed (a step without a valid id, a message): most steps have an id. */
function defaultIdOf(place: StepPlace): string {
  return `${place.idPrefix}_${place.index}`;
}

/**
 * Builds the flow from `doc` and appends problems to `diagnostics`.
 * Returns the flow even when there are errors (callers drop it then); undefined when the
 * document has no usable flow at all.
 */
export function buildFlow(
  doc: { contents: unknown },
  text: string,
  lineCounter: LineCounter,
  file: string,
  diagnostics: FlowDiagnostic[],
): FlowDef | undefined {
  return new FlowBuilder(doc, text, lineCounter, file, diagnostics).build();
}

/** What buildFlowWhileParsing answers when the file needs the ordinary way: parse it whole, then buildFlow. */
export const BUILD_AGAIN = Symbol('build again');

/**
 * Builds the flow while `parse` reads the text, each top-level step as soon as its item is read
 * (StepSink), with the same result and diagnostics as parsing first and then calling buildFlow.
 * `parse` returns undefined when the text is not for this way (not in the subset, duplicate keys,
 * nesting too deep: problems the ordinary way reports before building anything); BUILD_AGAIN then,
 * and also when steps were built from a list the flow does not use (a root `steps:` next to
 * `flow:`, a repeated key), so that ids are numbered and problems reported as the ordinary way does.
 * Texts with aliases are not for this way: a step may name an anchor anywhere in the file.
 */
export function buildFlowWhileParsing(
  text: string,
  lineCounter: LineCounter,
  file: string,
  diagnostics: FlowDiagnostic[],
  parse: (sink: StepSink) => { contents: unknown } | undefined,
): FlowDef | undefined | typeof BUILD_AGAIN {
  const found: FlowDiagnostic[] = [];
  const doc = { contents: null as unknown };
  const builder = new FlowBuilder(doc, text, lineCounter, file, found);
  const parsed = parse(builder);
  if (!parsed) return BUILD_AGAIN;
  doc.contents = parsed.contents;
  const flow = builder.build();
  if (builder.builtUnused()) return BUILD_AGAIN;
  for (const diagnostic of found) diagnostics.push(diagnostic);
  return flow;
}

/** Required config keys whose absence TestMesh's own flow parser refuses (not only the step). */
const REFUSED_BY_TESTMESH_LOADER = new Set(['http_request.url', 'database_query.query']);

class FlowBuilder extends YamlReader implements StepSink {
  /** Top-level steps built while parsing (stepItem), by the start offset of their list. */
  private readonly prebuilt = new Map<number, StepDef[]>();
  /** How often each written step id has been used so far: repeats get `<id>@<n>` (see StepDef.id). */
  private readonly idUses = new Map<string, number>();
  /** Whether some written step id is used twice: only then can a reference be ambiguous (ambiguousIds.ts). */
  private repeatedId = false;
  /** Expressions already checked and valid: generated flows repeat the same few thousands of times. */
  private readonly validExpressions = new Set<string>();
  /** Output paths already parsed and valid, for the same reason. */
  private readonly validOutputPaths = new Set<string>();
  /** The step being built: its errors fail that step when it runs instead of refusing the flow. */
  private currentStep: StepDef | undefined;

  override report(severity: Severity, range: SourceRange, message: string): void {
    const step = this.currentStep;
    if (severity !== 'error' || !step) return super.report(severity, range, message);
    this.diagnostics.push({ file: this.file, range, severity, message, step: step.id });
    step.problem = step.problem === undefined ? message : `${step.problem}; ${message}`;
  }

  /** An error that refuses the whole flow even inside a step: what TestMesh's own loader refuses. */
  private flowError(at: YamlNode | SourceRange | null | undefined, message: string): void {
    const step = this.currentStep;
    this.currentStep = undefined;
    this.error(at, message);
    this.currentStep = step;
  }

  // ---- flow ----------------------------------------------------------------------------------

  stepItem(phase: Phase, list: number, index: number, item: YamlNode): void {
    let steps = this.prebuilt.get(list);
    if (!steps) {
      steps = [];
      this.prebuilt.set(list, steps);
    }
    const step = this.step(item, { phase, idPrefix: phase, index });
    if (step) steps.push(step);
  }

  /** Whether steps were built while parsing from a list the flow does not use. */
  builtUnused(): boolean {
    return this.prebuilt.size > 0;
  }

  build(): FlowDef | undefined {
    const contents = this.doc.contents as YamlNode | null;
    if (!this.aliasesWithinLimits(contents)) return undefined;
    const root = this.deref(contents);
    if (!root || (isScalar(root) && (root.value === null || root.value === ''))) {
      this.error(
        { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
        "the file is empty: a flow file needs a 'flow:' mapping with 'name' and 'steps'",
      );
      return undefined;
    }
    if (!isMap(root)) {
      this.error(root, `a flow file must be a mapping with a 'flow:' key, got ${describe(root)}`);
      return undefined;
    }
    const rootEntries = this.entries(root);
    const flowEntry = rootEntries.get('flow');
    if (flowEntry) {
      for (const entry of rootEntries.values()) {
        if (entry.key !== 'flow')
          this.warn(
            entry.keyNode,
            `unknown key '${entry.key}' next to 'flow:' is ignored${suggest(entry.key, ['flow'])}`,
          );
      }
      const flowNode = this.expand(flowEntry.value);
      if (!isMap(flowNode)) {
        this.error(
          flowEntry.value ?? flowEntry.keyNode,
          `'flow' must be a mapping with 'name' and 'steps', got ${describe(flowNode)}`,
        );
        return undefined;
      }
      return this.buildFlowMap(flowNode);
    }
    if (rootEntries.has('name') && rootEntries.has('steps')) return this.buildFlowMap(root, rootEntries);
    this.error(root, "not a flow file: the root needs a 'flow:' key (or 'name' and 'steps')");
    return undefined;
  }

  private buildFlowMap(map: YamlNode, known?: Entries): FlowDef {
    const entries = known ?? this.entries(map);
    const flow: FlowDef = {
      file: this.file,
      name: '',
      tags: [],
      env: {},
      setup: [],
      steps: [],
      teardown: [],
      range: this.range(map),
    };
    for (const entry of entries.values()) {
      const { key, value } = entry;
      switch (key) {
        case 'name': {
          const name = this.scalarText(value, "the flow's 'name'");
          if (name !== undefined && name.trim() === '')
            this.error(value ?? entry.keyNode, "the flow's 'name' is empty");
          if (name !== undefined) flow.name = name;
          flow.nameRange = this.range(value, entry.keyNode);
          break;
        }
        case 'description':
        case 'suite': {
          const target = this.deref(value);
          if (isScalar(target) && target.value === null) break;
          const text = this.scalarText(value, `the flow's '${key}'`);
          if (text !== undefined) flow[key] = text;
          break;
        }
        case 'tags':
          flow.tags = this.tags(value);
          break;
        case 'env': {
          const target = this.expand(value);
          if (isScalar(target) && target.value === null) break;
          if (!isMap(target))
            this.error(value, `'env' must be a mapping of variable names to values, got ${describe(target)}`);
          else flow.env = this.value(target) as Record<string, unknown>;
          break;
        }
        case 'env_file': {
          const path = this.scalarText(value, "'env_file'");
          if (path !== undefined && path.trim() !== '') flow.envFile = resolvePath(dirname(this.file), path.trim());
          break;
        }
        case 'setup':
        case 'steps':
        case 'teardown':
          flow[key] = this.phaseSteps(key, entry);
          break;
        default:
          this.warn(entry.keyNode, `unknown flow key '${key}' is ignored${suggest(key, Object.keys(FLOW_KEYS))}`);
      }
    }
    if (!entries.has('name')) this.error(this.keyAnchor(map), "the flow has no 'name'");
    const steps = entries.get('steps');
    if (!steps) this.error(this.keyAnchor(map), "the flow has no 'steps': add a 'steps:' list with at least one step");
    else if (flow.steps.length === 0 && isEmptyList(this.deref(steps.value)))
      this.error(steps.value ?? steps.keyNode, "'steps' is empty: a flow needs at least one step");
    // Most flows repeat no id, and then the walk over every step finds nothing.
    if (this.repeatedId) for (const warning of ambiguousReferences(flow)) this.warn(warning.range, warning.message);
    return flow;
  }

  private tags(node: YamlNode | null): string[] {
    const target = this.expand(node);
    if (isScalar(target) && target.value === null) return [];
    if (!isSeq(target)) {
      this.error(node, `'tags' must be a list of strings, got ${describe(target)}`);
      return [];
    }
    const tags: string[] = [];
    for (const item of target.items) {
      const tag = this.scalarText(item as YamlNode, 'a tag');
      if (tag !== undefined) tags.push(tag);
    }
    return tags;
  }

  private phaseSteps(phase: Phase, entry: Entry): StepDef[] {
    const list = this.expand(entry.value);
    if (isScalar(list) && list.value === null) return [];
    if (!isSeq(list)) {
      this.error(entry.value ?? entry.keyNode, `'${phase}' must be a list of steps, got ${describe(list)}`);
      return [];
    }
    const listStart = fastStart(list);
    const built = listStart === undefined ? undefined : this.prebuilt.get(listStart);
    if (built) {
      this.prebuilt.delete(listStart as number);
      return built;
    }
    const steps: StepDef[] = [];
    list.items.forEach((item, index) => {
      const step = this.step(item as YamlNode, { phase, idPrefix: phase, index });
      if (step) steps.push(step);
    });
    return steps;
  }

  // ---- steps ---------------------------------------------------------------------------------

  private step(node: YamlNode, place: StepPlace): StepDef | undefined {
    const map = this.expand(node);
    if (!isMap(map)) {
      this.error(node, `step '${defaultIdOf(place)}': a step must be a mapping with an 'action', got ${describe(map)}`);
      return undefined;
    }
    return this.stepFromMap(map, place);
  }

  private stepFromMap(map: YamlNode, place: StepPlace): StepDef {
    const entries = this.entries(map);
    const idEntry = entries.get('id');
    const written = this.writtenId(idEntry, place);
    const id = this.registerId(written);
    const label = `step '${written}'`;
    const step: StepDef = {
      id,
      name: written,
      action: '',
      config: {},
      assert: [],
      output: {},
      onError: 'fail',
      phase: place.phase,
      blocks: [],
      range: this.range(map),
    };
    if (id !== written) step.writtenId = written;
    if (idEntry) step.idRange = this.range(idEntry.value, idEntry.keyNode);
    if (place.parentId !== undefined) step.parentId = place.parentId;

    const outer = this.currentStep;
    this.currentStep = step;
    try {
      const list = entries.values();
      for (let i = 0; i < list.length; i++) this.stepKey(step, list[i], label);
      if (!entries.has('action')) this.flowError(this.keyAnchor(map), `${label}: the step has no 'action'`);

      const spec = Object.prototype.hasOwnProperty.call(ACTION_SPECS, step.action)
        ? ACTION_SPECS[step.action]
        : undefined;
      this.config(step, entries.get('config'), spec, label);
    } finally {
      this.currentStep = outer;
    }
    return step;
  }

  /** The id a step is written with: its valid 'id', else the default for its place. */
  private writtenId(idEntry: Entry | undefined, place: StepPlace): string {
    if (!idEntry) return defaultIdOf(place);
    const text = this.textOf(idEntry.value) ?? this.scalarText(idEntry.value, `step '${defaultIdOf(place)}': 'id'`);
    if (text === undefined) return defaultIdOf(place);
    if (STEP_ID.test(text)) return text;
    this.error(
      idEntry.value ?? idEntry.keyNode,
      `step id '${text}' is not valid: use letters, digits, '_' and '-', starting with a letter or '_'`,
    );
    return defaultIdOf(place);
  }

  /** One key of a step other than 'config' (read once the action is known). */
  private stepKey(step: StepDef, entry: Entry, label: string): void {
    const { key, value } = entry;
    switch (key) {
      case 'id':
        break;
      case 'name': {
        const name = this.textOf(value) ?? this.scalarText(value, `${label}: 'name'`);
        if (name !== undefined) step.name = name;
        break;
      }
      case 'action': {
        const action = this.textOf(value) ?? this.scalarText(value, `${label}: 'action'`);
        step.actionRange = this.range(value, entry.keyNode);
        if (action === undefined) break;
        step.action = action;
        if (!Object.prototype.hasOwnProperty.call(ACTION_SPECS, action)) {
          const reason = unknownActionReason(action);
          const hint = reason ? `: ${reason}` : suggest(action, KNOWN_ACTIONS);
          this.error(
            step.actionRange,
            `${label}: unknown action '${action}'${hint || ` (known actions: ${KNOWN_ACTIONS.join(', ')})`}`,
          );
        }
        break;
      }
      case 'config':
        break; // after the action is known
      case 'assert':
        step.assert = this.assertions(value, label);
        break;
      case 'output':
        step.output = this.outputs(value, label);
        break;
      case 'retry': {
        const retry = this.retry(value, label);
        if (retry) step.retry = retry;
        break;
      }
      case 'timeout': {
        const ms = this.duration(value, `${label}: 'timeout'`);
        if (ms !== undefined) step.timeoutMs = ms;
        break;
      }
      case 'when': {
        const when = this.validExpression(value) ?? this.expression(value, `${label}: 'when'`);
        if (when !== undefined) step.when = when;
        break;
      }
      case 'on_error':
        step.onError = this.onError(value, label);
        break;
      default:
        this.warn(
          entry.keyNode,
          `${label}: unknown step key '${key}' is ignored${suggest(key, Object.keys(STEP_KEYS))}`,
        );
    }
  }

  /**
   * The unique id of a step written with `written`. TestMesh allows repeated ids (a setup and a
   * teardown step often share one); the n-th use becomes `<id>@<n>`, which no written id can be.
   */
  private registerId(written: string): string {
    const uses = (this.idUses.get(written) ?? 0) + 1;
    this.idUses.set(written, uses);
    if (uses === 1) return written;
    this.repeatedId = true;
    return `${written}@${uses}`;
  }

  private assertions(node: YamlNode | null, label: string): AssertionDef[] {
    const target = this.expand(node);
    if (isScalar(target) && target.value === null) return [];
    if (!target) return [];
    // A single expression instead of a list is accepted: nobody means anything else by it.
    if (!isSeq(target)) {
      const single = this.assertion(node as YamlNode, label, 0);
      return single ? [single] : [];
    }
    const items = target.items as YamlNode[];
    // Exactly as long as needed: a list grown by push keeps room for 16, and the flow keeps every list.
    const out: AssertionDef[] = items.length <= PRESIZED_LIST ? new Array<AssertionDef>(items.length) : [];
    let count = 0;
    for (let index = 0; index < items.length; index++) {
      const def = this.assertion(items[index], label, index);
      if (def) out[count++] = def;
    }
    if (count < out.length) out.length = count;
    return out;
  }

  private assertion(item: YamlNode, label: string, index: number): AssertionDef | undefined {
    const entry = this.expand(item);
    if (!isMap(entry)) {
      const expression = this.validExpression(item) ?? this.expression(item, `${label}: assert[${index}]`);
      return expression === undefined ? undefined : { expression, range: this.range(item) };
    }
    const where = `${label}: assert[${index}]`;
    const fields = this.entries(entry);
    const expressionEntry = fields.get('expression');
    let message: string | undefined;
    for (const field of fields.values()) {
      if (field.key === 'message') message = this.scalarText(field.value, `${where}: 'message'`);
      else if (field.key !== 'expression')
        this.warn(
          field.keyNode,
          `${where}: unknown key '${field.key}' is ignored${suggest(field.key, ['expression', 'message'])}`,
        );
    }
    if (!expressionEntry) {
      this.error(this.keyAnchor(entry), `${where}: an assertion object needs an 'expression'`);
      return undefined;
    }
    const expression = this.expression(expressionEntry.value, where);
    if (expression === undefined) return undefined;
    const def: AssertionDef = { expression, range: this.range(entry) };
    if (message !== undefined) def.message = message;
    return def;
  }

  private outputs(node: YamlNode | null, label: string): Record<string, string> {
    const target = this.expand(node);
    const out: Record<string, string> = {};
    if (isScalar(target) && target.value === null) return out;
    if (!isMap(target)) {
      this.error(
        node,
        `${label}: 'output' must be a mapping of variable names to paths like '$.body.id', got ${describe(target)}`,
      );
      return out;
    }
    const entries = this.entries(target).values();
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      if (entry.key === '') {
        this.error(entry.keyNode, `${label}: an output needs a variable name`);
        continue;
      }
      const raw = this.textOf(entry.value) ?? this.scalarText(entry.value, `${label}: output '${entry.key}'`);
      if (raw === undefined) continue;
      const path = raw.trim();
      if (this.validOutputPaths.has(path)) {
        setOwn(out, entry.key, normalizeOutputPath(path));
        continue;
      }
      try {
        parseOutputPath(path);
        setOwn(out, entry.key, normalizeOutputPath(path));
        this.validOutputPaths.add(path);
      } catch (err) {
        const offset = err instanceof PathError ? err.offset + (raw.length - raw.trimStart().length) : 0;
        this.error(this.innerRange(entry.value, offset), `${label}: output '${entry.key}': ${errorMessage(err)}`);
      }
    }
    return out;
  }

  private retry(node: YamlNode | null, label: string): RetryDef | undefined {
    const target = this.expand(node);
    if (!isMap(target)) {
      this.error(
        node,
        `${label}: 'retry' must be a mapping like {max_attempts: 3, delay: "1s"}, got ${describe(target)}`,
      );
      return undefined;
    }
    const retry: RetryDef = { maxAttempts: 1, delayMs: 1000, backoff: 'fixed' };
    const entries = this.entries(target);
    for (const entry of entries.values()) {
      const where = `${label}: retry '${entry.key}'`;
      switch (entry.key) {
        case 'max_attempts': {
          const v = this.deref(entry.value);
          const n = isScalar(v) ? v.value : undefined;
          if (typeof n === 'number' && Number.isInteger(n) && n >= 1) retry.maxAttempts = n;
          else
            this.error(
              entry.value ?? entry.keyNode,
              `${where} must be a whole number of at least 1, got ${describe(v)}`,
            );
          break;
        }
        case 'delay': {
          const ms = this.duration(entry.value, where);
          if (ms !== undefined) retry.delayMs = ms;
          break;
        }
        case 'backoff': {
          const v = this.scalarText(entry.value, where);
          if (v === 'fixed' || v === 'exponential') retry.backoff = v;
          else if (v !== undefined)
            this.error(
              entry.value,
              `${where} must be 'fixed' or 'exponential', got '${v}'${suggest(v, ['fixed', 'exponential'])}`,
            );
          break;
        }
        default:
          this.warn(
            entry.keyNode,
            `${label}: unknown retry key '${entry.key}' is ignored${suggest(entry.key, Object.keys(RETRY_KEYS))}`,
          );
      }
    }
    if (!entries.has('max_attempts'))
      this.warn(this.keyAnchor(target), `${label}: 'retry' has no 'max_attempts', so the step runs only once`);
    return retry;
  }

  private onError(node: YamlNode | null, label: string): 'fail' | 'continue' {
    let target = this.expand(node);
    let at = node;
    if (isMap(target)) {
      // TestMesh's object form: {action: continue|fail}
      const entries = this.entries(target);
      for (const entry of entries.values()) {
        if (entry.key !== 'action')
          this.warn(
            entry.keyNode,
            `${label}: unknown on_error key '${entry.key}' is ignored${suggest(entry.key, ['action'])}`,
          );
      }
      const action = entries.get('action');
      if (!action) {
        this.error(this.keyAnchor(target), `${label}: 'on_error' needs 'action: continue' or 'action: fail'`);
        return 'fail';
      }
      at = action.value ?? action.keyNode;
      target = this.deref(action.value);
    }
    const value = isScalar(target) ? target.value : undefined;
    if (value === 'continue' || value === 'fail') return value;
    const shown = typeof value === 'string' ? `'${value}'${suggest(value, ['continue', 'fail'])}` : describe(target);
    this.error(at, `${label}: 'on_error' must be 'continue' or 'fail', got ${shown}`);
    return 'fail';
  }

  private duration(node: YamlNode | null, what: string): number | undefined {
    const target = this.deref(node);
    const value = isScalar(target) ? target.value : undefined;
    if (typeof value === 'string' && hasPlaceholder(value)) return undefined;
    try {
      return parseDuration(value, what);
    } catch (err) {
      this.error(node, err instanceof TestMeshError ? err.message : `${what} must be a duration like "2s"`);
      return undefined;
    }
  }

  /**
   * The text of an expression that is text and valid; undefined, and nothing reported, for
   * anything else: the usual case, checked before `expression` puts a message's words together.
   */
  private validExpression(node: YamlNode | null): string | undefined {
    const target = this.deref(node);
    const value = isScalar(target) ? target.value : undefined;
    if (typeof value !== 'string') return undefined;
    if (this.validExpressions.has(value)) return value;
    if (value.trim() === '') return undefined;
    try {
      checkExpressionSyntax(value);
    } catch {
      return undefined;
    }
    this.validExpressions.add(value);
    return value;
  }

  /** Checks an expression; returns its text when it is a string (even with errors, so messages can show it). */
  private expression(node: YamlNode | null, what: string): string | undefined {
    const target = this.deref(node);
    const value = isScalar(target) ? target.value : undefined;
    if (typeof value !== 'string') {
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      this.error(node, `${what}: expected an expression, got ${describe(target)}`);
      return undefined;
    }
    if (value.trim() === '') {
      this.error(node, `${what}: the expression is empty`);
      return undefined;
    }
    if (this.validExpressions.has(value)) return value;
    try {
      checkExpressionSyntax(value);
      this.validExpressions.add(value);
    } catch (err) {
      const offset = typeof (err as { offset?: unknown }).offset === 'number' ? (err as { offset: number }).offset : 0;
      const message = errorMessage(err).replace(/ at column \d+/, '');
      this.error(this.innerRange(target, offset), `${what}: invalid expression: ${message}`);
    }
    return value;
  }

  // ---- config --------------------------------------------------------------------------------

  private config(step: StepDef, entry: Entry | undefined, spec: ActionSpec | undefined, label: string): void {
    const target = entry ? this.expand(entry.value) : null;
    const configMissing = !entry || (isScalar(target) && target.value === null);
    if (!configMissing && !isMap(target)) {
      this.error(entry?.value ?? entry?.keyNode, `${label}: 'config' must be a mapping, got ${describe(target)}`);
      return;
    }
    const entries = configMissing ? new Entries() : this.entries(target as YamlNode);
    const list = entries.values();
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      const keySpec = spec && Object.prototype.hasOwnProperty.call(spec.config, e.key) ? spec.config[e.key] : undefined;
      if (spec && !keySpec) {
        this.warn(
          e.keyNode,
          `${label}: unknown config key '${e.key}' for ${step.action}${suggest(e.key, Object.keys(spec.config))}`,
        );
      }
      if (keySpec?.nested) {
        this.nested(step, e, keySpec.nested, label);
        continue;
      }
      const value = this.value(e.value);
      setOwn(step.config, e.key, value);
      if (keySpec) this.checkConfigValue(step, e, keySpec, value, label);
    }
    if (!spec) return;
    for (const key of requiredConfigKeys(spec)) {
      const present = entries.get(key);
      const empty =
        present && isScalar(this.deref(present.value)) && (this.deref(present.value) as Scalar).value === null;
      if (present && !empty) continue;
      const at = present ? present.keyNode : entry ? entry.keyNode : (step.actionRange ?? step.range);
      const message = `${label}: ${step.action} needs '${key}' in its config`;
      // TestMesh's loader itself refuses these two; every other missing key fails only its step.
      if (REFUSED_BY_TESTMESH_LOADER.has(`${step.action}.${key}`)) this.flowError(at, message);
      else this.error(at, message);
    }
  }

  private checkConfigValue(step: StepDef, entry: Entry, spec: ConfigKeySpec, value: unknown, label: string): void {
    if (value === null || value === undefined) return; // `key:` with nothing: treated as not set
    if (typeof value === 'string' && hasPlaceholder(value)) return; // resolved at run time
    // The place and the problem are put into words only when there is a problem: most values are fine.
    let expected: string | undefined;
    switch (spec.type) {
      case 'string':
        if (typeof value !== 'string') expected = 'text';
        break;
      case 'number': {
        if (typeof value !== 'number' || !Number.isFinite(value))
          expected = spec.integer ? 'a whole number' : 'a number';
        else if (spec.integer && !Number.isInteger(value)) expected = 'a whole number';
        else if (spec.min !== undefined && value < spec.min) expected = `at least ${spec.min}`;
        break;
      }
      case 'boolean':
        if (typeof value !== 'boolean') expected = 'true or false';
        break;
      case 'map':
        if (typeof value !== 'object' || Array.isArray(value)) expected = 'a mapping (key: value)';
        break;
      case 'list':
        if (typeof value === 'string' && spec.orExpression)
          this.expression(this.deref(entry.value), configWhere(label, entry));
        else if (!Array.isArray(value))
          expected = spec.orExpression ? 'a list or an expression that yields one' : 'a list';
        else if (spec.listOf === 'expression') this.expressionList(entry.value, configWhere(label, entry));
        break;
      case 'duration':
        this.duration(entry.value, configWhere(label, entry));
        break;
      case 'expression':
        if (this.validExpression(entry.value) === undefined) this.expression(entry.value, configWhere(label, entry));
        break;
      case 'enum': {
        const values = spec.values ?? [];
        if (typeof value !== 'string' || !values.includes(value)) {
          const hint = typeof value === 'string' ? suggest(value, values) : '';
          this.error(
            entry.value ?? entry.keyNode,
            `${configWhere(label, entry)} must be one of ${values.map((v) => `'${v}'`).join(', ')}, got ${describeValue(value)}${hint}`,
          );
        }
        break;
      }
      case 'steps':
      case 'any':
        break;
    }
    if (expected !== undefined)
      this.error(
        entry.value ?? entry.keyNode,
        `${configWhere(label, entry)} must be ${expected}, got ${describeValue(value)}`,
      );
    if (spec.shape) this.checkShape(entry.value, spec.shape, configWhere(label, entry));
  }

  /** Unknown keys in a nested map (or in each map of a list), with did-you-mean hints. */
  private checkShape(node: YamlNode | null, shape: ShapeSpec, where: string): void {
    const target = this.expand(node);
    if (isSeq(target)) {
      target.items.forEach((item, i) => this.checkShape(item as YamlNode, shape, `${where}[${i}]`));
      return;
    }
    if (!isMap(target)) return;
    const known = Object.keys(shape.keys);
    for (const e of this.entries(target).values()) {
      if (!Object.prototype.hasOwnProperty.call(shape.keys, e.key)) {
        this.warn(e.keyNode, `${where}: unknown key '${e.key}'${suggest(e.key, known)}`);
        continue;
      }
      const inner = shape.keys[e.key];
      if (inner) this.checkShape(e.value, inner, `${where}.${e.key}`);
    }
  }

  /** Entries of a list of expressions (the assert action's `assertions`). */
  private expressionList(node: YamlNode | null, where: string): void {
    const list = this.deref(node);
    if (!isSeq(list)) return;
    list.items.forEach((item, index) => {
      const entry = this.deref(item as YamlNode);
      if (isMap(entry)) {
        const expression = this.entries(entry).get('expression');
        if (expression) this.expression(expression.value, `${where}[${index}]`);
        else this.error(entry, `${where}[${index}]: an assertion object needs an 'expression'`);
      } else {
        this.expression(item as YamlNode, `${where}[${index}]`);
      }
    });
  }

  // ---- nested steps --------------------------------------------------------------------------

  private nested(step: StepDef, entry: Entry, kind: 'steps' | 'branches', label: string): void {
    const list = this.expand(entry.value);
    if (isScalar(list) && list.value === null) return;
    if (!isSeq(list)) {
      const expected = kind === 'steps' ? 'a list of steps' : 'a list of branches, each {steps: [...]}';
      this.error(
        entry.value ?? entry.keyNode,
        `${label}: config '${entry.key}' must be ${expected}, got ${describe(list)}`,
      );
      return;
    }
    if (kind === 'steps') {
      step.blocks.push(this.block(entry.key, entry.key, list, step));
      return;
    }
    list.items.forEach((item, index) => {
      const branch = this.expand(item as YamlNode);
      const where = `${label}: branch ${index}`;
      if (!isMap(branch)) {
        this.error(item as YamlNode, `${where} must be a mapping {steps: [...]}, got ${describe(branch)}`);
        return;
      }
      const fields = this.entries(branch);
      if (!fields.has('steps') && fields.has('action')) {
        // TestMesh's generator writes a branch as a step (TestMesh's runner then refuses it): a branch of that one step.
        step.blocks.push(this.block(`branches[${index}]`, `branch${index}`, branch, step));
        return;
      }
      for (const field of fields.values()) {
        if (field.key !== 'steps')
          this.warn(field.keyNode, `${where}: unknown key '${field.key}' is ignored${suggest(field.key, ['steps'])}`);
      }
      const stepsEntry = fields.get('steps');
      const steps = stepsEntry ? this.expand(stepsEntry.value) : null;
      if (!stepsEntry || !isSeq(steps)) {
        this.error(stepsEntry?.value ?? branch, `${where} needs 'steps': a list of steps`);
        return;
      }
      step.blocks.push(this.block(`branches[${index}]`, `branch${index}`, steps, step));
    });
  }

  /** The steps of one of `parent`'s nested lists. */
  private block(key: string, idPart: string, list: YamlNode, parent: StepDef): StepBlock {
    const steps: StepDef[] = [];
    // A mapping is a block of that one step (a parallel branch written as a step).
    const items = isSeq(list) ? (list.items as YamlNode[]) : isMap(list) ? [list] : undefined;
    if (items) {
      const idPrefix = `${parent.id}.${idPart}`;
      for (let index = 0; index < items.length; index++) {
        const child = this.step(items[index], { phase: parent.phase, parentId: parent.id, idPrefix, index });
        if (child) steps.push(child);
      }
    }
    return { key, steps, range: this.range(list) };
  }
}

/** How messages about a config key name it. */
function configWhere(label: string, entry: Entry): string {
  return `${label}: config '${entry.key}'`;
}

/** The config keys each action requires, listed once instead of once per step. */
const REQUIRED_CONFIG_KEYS = new Map<ActionSpec, readonly string[]>();

function requiredConfigKeys(spec: ActionSpec): readonly string[] {
  let keys = REQUIRED_CONFIG_KEYS.get(spec);
  if (!keys) {
    keys = Object.keys(spec.config).filter((key) => spec.config[key].required);
    REQUIRED_CONFIG_KEYS.set(spec, keys);
  }
  return keys;
}
