/**
 * Example values from OpenAPI schemas: a given `example` / `examples` / `default` / `enum` first,
 * then a value built from the type and format. Bounded in depth and in size, so circular and
 * huge schemas give a small value.
 */
import { isObject } from './documentText';
import { MAX_DEPTH, MAX_EXAMPLE_NODES } from './limits';
import type { RefResolver } from './openapiRefs';

const FORMATS: Record<string, unknown> = {
  email: 'user@example.com',
  uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
  'date-time': '2024-01-01T00:00:00Z',
  date: '2024-01-01',
  time: '12:00:00',
  uri: 'https://example.com',
  url: 'https://example.com',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  byte: 'ZXhhbXBsZQ==',
  password: 'password',
};

/** An explicitly given example of a schema or parameter-like object. */
export function givenExample(holder: Record<string, unknown>, refs: RefResolver): { found: boolean; value?: unknown } {
  if ('example' in holder) return { found: true, value: holder.example };
  if ('x-example' in holder) return { found: true, value: holder['x-example'] };
  if (isObject(holder.examples)) {
    const first = Object.values(holder.examples)[0];
    const example = refs.object(first);
    if (example && 'value' in example) return { found: true, value: example.value };
  }
  if (Array.isArray(holder.examples) && holder.examples.length) return { found: true, value: holder.examples[0] };
  return { found: false };
}

export function exampleOf(schemaValue: unknown, refs: RefResolver): unknown {
  let nodes = 0;
  const build = (value: unknown, depth: number): unknown => {
    if (++nodes > MAX_EXAMPLE_NODES || depth > MAX_DEPTH) return undefined;
    const schema = refs.object(value);
    if (!schema) return undefined;
    const given = givenExample(schema, refs);
    if (given.found) return given.value;
    if ('const' in schema) return schema.const;
    if ('default' in schema) return schema.default;
    if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
    if (Array.isArray(schema.allOf)) {
      const merged: Record<string, unknown> = {};
      for (const part of schema.allOf) {
        const v = build(part, depth + 1);
        if (isObject(v)) Object.assign(merged, v);
      }
      return merged;
    }
    for (const key of ['oneOf', 'anyOf'] as const)
      if (Array.isArray(schema[key]) && (schema[key] as unknown[]).length)
        return build((schema[key] as unknown[])[0], depth + 1);
    let type = schema.type;
    if (Array.isArray(type)) type = type.find((t) => t !== 'null') ?? type[0];
    if (type === undefined) type = isObject(schema.properties) ? 'object' : schema.items ? 'array' : undefined;
    switch (type) {
      case 'string':
        return (
          FORMATS[String(schema.format)] ??
          (typeof schema.minLength === 'number' && schema.minLength > 6
            ? 'x'.repeat(Math.min(schema.minLength, 64))
            : 'string')
        );
      case 'integer':
        return typeof schema.minimum === 'number' ? Math.ceil(schema.minimum) : 1;
      case 'number':
        return typeof schema.minimum === 'number' ? schema.minimum : 1.5;
      case 'boolean':
        return true;
      case 'null':
        return null;
      case 'array': {
        const item = build(schema.items, depth + 1);
        return item === undefined ? [] : [item];
      }
      case 'object': {
        const out: Record<string, unknown> = {};
        if (isObject(schema.properties))
          for (const [name, prop] of Object.entries(schema.properties)) {
            const p = refs.object(prop);
            if (p && p.readOnly === true) continue;
            const v = build(prop, depth + 1);
            if (v !== undefined) out[name] = v;
          }
        return out;
      }
    }
    return undefined;
  };
  return build(schemaValue, 0);
}
