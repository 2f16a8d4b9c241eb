/**
 * Local `$ref`s of an OpenAPI / Swagger document (`#/components/schemas/User`), resolved lazily
 * with a depth bound, so circular schemas and reference chains end instead of looping.
 */
import { isObject } from './documentText';
import { MAX_DEPTH } from './limits';

export class RefResolver {
  /** References that point outside the document or nowhere (listed once each). */
  readonly unresolved = new Set<string>();

  constructor(private readonly doc: Record<string, unknown>) {}

  /** The target of a JSON pointer `#/a/b~1c`, or undefined. */
  private target(ref: string): unknown {
    if (!ref.startsWith('#/')) return undefined;
    let current: unknown = this.doc;
    for (const raw of ref.slice(2).split('/')) {
      let part: string;
      try {
        part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      } catch {
        return undefined;
      }
      if (!isObject(current) && !Array.isArray(current)) return undefined;
      if (!Object.hasOwn(current, part)) return undefined;
      current = (current as Record<string, unknown>)[part];
    }
    return current;
  }

  /** The value with `$ref` chains followed (at most MAX_DEPTH of them); undefined for a dangling one. */
  deref(value: unknown): unknown {
    let current = value;
    for (let i = 0; i < MAX_DEPTH && isObject(current) && typeof current.$ref === 'string'; i++) {
      const ref = current.$ref;
      const next = this.target(ref);
      if (next === undefined) {
        this.unresolved.add(ref);
        return undefined;
      }
      current = next;
    }
    return isObject(current) && typeof current.$ref === 'string' ? undefined : current;
  }

  /** Like deref, for objects. */
  object(value: unknown): Record<string, unknown> | undefined {
    const v = this.deref(value);
    return isObject(v) ? v : undefined;
  }
}
