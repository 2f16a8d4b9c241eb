/**
 * Variable lookup for placeholders and expressions. Later sources win:
 * environment -> run variables -> env_file -> flow env -> step outputs, as TestMesh layers them.
 * Loop variables live in child scopes; step outputs always go to the root so later steps see them.
 */
import { builtinValue, isBuiltin } from '../builtins';
import { NOT_FOUND, type ExpressionScope } from '../expr';
import { parseOutputPath, readPathWithHeaders, type PathSegment } from '../path';
import { TestMeshError } from '../errors';
import { UNRESOLVED } from '../template';

/** What an earlier step left behind: its result and the outputs it captured. */
export interface StepRecord {
  result: unknown;
  outputs: Record<string, unknown>;
}

const pathCache = new Map<string, PathSegment[]>();
function pathOf(rest: string): PathSegment[] {
  let segments = pathCache.get(rest);
  if (!segments) {
    segments = parseOutputPath(`$${rest}`);
    if (pathCache.size > 5000) pathCache.clear();
    pathCache.set(rest, segments);
  }
  return segments;
}

const HEAD = /^[^.[]+/;

export class Scope {
  readonly vars = new Map<string, unknown>();
  /** Outputs whose path matched nothing (root scope only): name -> why, for the error where one is used. */
  readonly missingOutputs = new Map<string, string>();

  constructor(
    readonly records: Map<string, StepRecord>,
    readonly parent?: Scope,
  ) {}

  child(extra?: Record<string, unknown>): Scope {
    const scope = new Scope(this.records, this);
    if (extra) for (const key of Object.keys(extra)) scope.vars.set(key, extra[key]);
    return scope;
  }

  root(): Scope {
    let scope: Scope = this;
    while (scope.parent) scope = scope.parent;
    return scope;
  }

  /** A variable by exact name through the chain, or UNRESOLVED. */
  variable(name: string): unknown {
    for (let scope: Scope | undefined = this; scope; scope = scope.parent) {
      if (scope.vars.has(name)) return scope.vars.get(name);
    }
    return UNRESOLVED;
  }

  /** An output that matched nothing: the variable is unset (an older value would be stale) and remembers why. */
  forgetOutput(name: string, why: string): void {
    this.vars.delete(name);
    this.missingOutputs.set(name, why);
  }

  /** Why a name is unset because an output matched nothing, if it is. */
  missingOutput(name: string): string | undefined {
    const root = this.root();
    return root.missingOutputs.size === 0 ? undefined : root.missingOutputs.get(name);
  }

  /** Every variable visible here, inner scopes winning. */
  snapshot(): Record<string, unknown> {
    const chain: Scope[] = [];
    for (let scope: Scope | undefined = this; scope; scope = scope.parent) chain.unshift(scope);
    const out: Record<string, unknown> = {};
    for (const scope of chain) for (const [k, v] of scope.vars) out[k] = v;
    return out;
  }

  /** A step id as a value: its result with its outputs on top. */
  stepValue(id: string): unknown {
    const record = this.records.get(id);
    if (!record) return UNRESOLVED;
    const result = record.result;
    if (result !== null && typeof result === 'object' && !Array.isArray(result))
      return { ...result, ...record.outputs };
    return Object.keys(record.outputs).length ? { value: result, ...record.outputs } : result;
  }

  /** Resolves a placeholder's inner text: `name`, `name.path[0]`, `stepid.key`, `stepid.body.x`, built-ins. */
  resolve = (text: string): unknown => {
    const value = this.lookup(text);
    if (value === UNRESOLVED) {
      const why = this.missingOutput(HEAD.exec(text)?.[0] ?? text);
      if (why !== undefined) throw new TestMeshError(`unresolved variable '${text}': ${why}`);
    }
    return value;
  };

  private lookup(text: string): unknown {
    const direct = this.variable(text);
    if (direct !== UNRESOLVED) return direct;
    const head = HEAD.exec(text)?.[0];
    if (!head) return UNRESOLVED;
    const rest = text.slice(head.length);
    if (!rest) {
      if (this.records.has(head)) return this.stepValue(head);
      return isBuiltin(head) ? builtinValue(head) : UNRESOLVED;
    }
    let base: unknown;
    const record = this.records.get(head);
    if (record) {
      base = this.stepValue(head);
    } else {
      base = this.variable(head);
      if (base === UNRESOLVED) return UNRESOLVED;
    }
    let segments: PathSegment[];
    try {
      segments = pathOf(rest);
    } catch {
      return UNRESOLVED;
    }
    const value = readPathWithHeaders(base, segments);
    return value === undefined ? UNRESOLVED : value;
  }

  /** An expression scope where `result`'s keys (and `response`) come first, then variables and step ids. */
  expressionScope(result?: unknown): ExpressionScope {
    return new StepExpressionScope(this, result);
  }
}

/** One object per evaluation, methods on the prototype: assertions run on every step. */
class StepExpressionScope implements ExpressionScope {
  private readonly record?: Record<string, unknown>;

  constructor(
    private readonly scope: Scope,
    private readonly result: unknown,
  ) {
    if (result !== null && typeof result === 'object' && !Array.isArray(result))
      this.record = result as Record<string, unknown>;
  }

  get(name: string): unknown {
    const record = this.record;
    if (record && Object.hasOwn(record, name)) return record[name];
    if (name === 'response' && this.result !== undefined) return this.result;
    const variable = this.scope.variable(name);
    if (variable !== UNRESOLVED) return variable;
    if (this.scope.records.has(name)) return this.scope.stepValue(name);
    if (isBuiltin(name)) return builtinValue(name);
    // An output that matched nothing reads as nil (`user_id != nil` guards work); {{user_id}} fails.
    if (this.scope.missingOutput(name) !== undefined) return null;
    return NOT_FOUND;
  }

  placeholder(text: string): unknown {
    const value = this.scope.resolve(text);
    return value === UNRESOLVED ? NOT_FOUND : value;
  }
}
