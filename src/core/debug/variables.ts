/**
 * Values as the Variables view, Watch and hovers show them: one line each, objects and lists
 * expandable, secrets (by name, or a value the run redacts) as `***`. References are handed out
 * per stop and dropped when the run goes on, as the protocol expects.
 */
import type { DebugProtocol } from '@vscode/debugprotocol';
import { looksSecret } from '../dotenv';
import { TestMeshError } from '../errors';

export const MASK = '***';
const MAX_CHILDREN = 1000;
const MAX_PREVIEW = 120;

type Redact = <T>(value: T) => T;

interface Container {
  children: () => DebugProtocol.Variable[];
  /** Changes a child; returns the value as stored. Absent for read-only containers. */
  set?: (name: string, value: unknown) => unknown;
  /** Looks a child's value up again, to present it after a change. */
  get?: (name: string) => unknown;
}

export class VariableTable {
  private next = 1;
  private readonly containers = new Map<number, Container>();

  constructor(private readonly redact: () => Redact) {}

  /** Forgets every reference (the run went on). */
  reset(): void {
    this.containers.clear();
  }

  add(container: Container): number {
    const ref = this.next++;
    this.containers.set(ref, container);
    return ref;
  }

  children(ref: number): DebugProtocol.Variable[] {
    const container = this.containers.get(ref);
    if (!container) return [];
    return container.children();
  }

  /** setVariable: parses the text, stores it, and presents the stored value. */
  set(ref: number, name: string, text: string): DebugProtocol.Variable {
    const container = this.containers.get(ref);
    if (!container) throw new TestMeshError('that variable is gone: the flow has moved on');
    if (!container.set) throw new TestMeshError('these values are read-only (they are what the step will run with)');
    const stored = container.set(name, parseValueText(text));
    return this.variable(name, stored);
  }

  /** One named value, expandable when it is an object or a list. */
  variable(
    name: string,
    value: unknown,
    options: { type?: string; evaluateName?: string; secret?: boolean } = {},
  ): DebugProtocol.Variable {
    const secret = options.secret ?? looksSecret(name);
    const presented = this.present(value, secret);
    return {
      name,
      ...presented,
      ...(options.type ? { type: options.type } : {}),
      ...(options.evaluateName ? { evaluateName: options.evaluateName } : {}),
    };
  }

  /** A value's one-line text and reference (0 when it has no children). */
  present(
    value: unknown,
    secret = false,
  ): { value: string; variablesReference: number; indexedVariables?: number; namedVariables?: number } {
    if (secret && value !== undefined && value !== null && value !== '') return { value: MASK, variablesReference: 0 };
    const shown = this.redact()(value);
    if (shown === null || typeof shown !== 'object') return { value: scalarText(shown), variablesReference: 0 };
    const ref = this.add(this.objectContainer(value as Record<string, unknown> | unknown[]));
    return { value: preview(shown), variablesReference: ref };
  }

  /** Children of a live object or list; edits go into it (the run sees them). */
  objectContainer(target: Record<string, unknown> | unknown[]): Container {
    return {
      children: () => {
        const keys = Array.isArray(target) ? target.map((_, i) => String(i)) : Object.keys(target);
        const out = keys
          .slice(0, MAX_CHILDREN)
          .map((key) =>
            this.variable(Array.isArray(target) ? `[${key}]` : key, (target as Record<string, unknown>)[key]),
          );
        if (keys.length > MAX_CHILDREN)
          out.push({ name: '…', value: `${keys.length - MAX_CHILDREN} more`, variablesReference: 0 });
        return out;
      },
      set: (name, value) => {
        const key = Array.isArray(target) ? Number(name.replace(/^\[|\]$/g, '')) : name;
        if (
          Array.isArray(target) &&
          !(Number.isInteger(key) && (key as number) >= 0 && (key as number) < target.length)
        )
          throw new TestMeshError(`no item ${name}`);
        (target as Record<string | number, unknown>)[key] = value;
        return value;
      },
    };
  }

  /** A container of a Map's entries (a scope's variables), editable. */
  mapContainer(
    map: Map<string, unknown>,
    include: (name: string) => boolean,
    typeOf?: (name: string) => string | undefined,
  ): Container {
    return {
      children: () =>
        [...map.keys()]
          .filter(include)
          .sort((a, b) => a.localeCompare(b))
          .map((name) => this.variable(name, map.get(name), { type: typeOf?.(name), evaluateName: name })),
      set: (name, value) => {
        if (!map.has(name)) throw new TestMeshError(`no variable '${name}' here`);
        map.set(name, value);
        return value;
      },
    };
  }

  /** Fixed entries, read-only. */
  fixedContainer(entries: Array<[string, unknown]>): Container {
    return { children: () => entries.map(([name, value]) => this.variable(name, value)) };
  }
}

/** What the user typed in the Variables view: JSON when it parses (`42`, `"x"`, `{"a":1}`), else the text itself. */
function parseValueText(text: string): unknown {
  const trimmed = text.trim();
  try {
    return JSON.parse(trimmed);
  } catch {
    return text;
  }
}

function scalarText(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'symbol') return 'unresolved';
  return String(value);
}

function preview(value: object): string {
  let text: string;
  if (Array.isArray(value)) text = `Array(${value.length}) ${JSON.stringify(value)}`;
  else text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_PREVIEW ? `${text.slice(0, MAX_PREVIEW - 1)}…` : text;
}
