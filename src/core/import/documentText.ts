/** Reads a JSON or YAML document of an import (Postman, OpenAPI, HAR) with the import limits. */
import { parse as parseYaml } from 'yaml';
import { errorMessage } from '../errors';
import { formatBytes } from '../format';
import { MAX_IMPORT_BYTES } from './limits';
import { ImportError } from './model';

export function checkSize(text: string, what: string): void {
  if (text.length > MAX_IMPORT_BYTES)
    throw new ImportError(`${what} is larger than ${formatBytes(MAX_IMPORT_BYTES)}; split it first`);
}

/** The parsed document, or an ImportError naming the line and column of a syntax error. */
export function parseDocumentText(text: string, what: string): unknown {
  checkSize(text, what);
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed);
    } catch (err) {
      // Not valid JSON: YAML is a superset, and its parser says where it went wrong.
      if (!/^\s*[[{]/.test(trimmed)) throw new ImportError(`${what}: ${errorMessage(err)}`);
    }
  }
  try {
    return parseYaml(trimmed, { maxAliasCount: 100, uniqueKeys: false, prettyErrors: true });
  } catch (err) {
    throw new ImportError(`${what}: ${errorMessage(err)}`);
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function stringOf(value: unknown): string | undefined {
  return typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : undefined;
}
