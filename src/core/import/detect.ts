/**
 * Which format an import text is in, from its content first and its file name second:
 * curl commands, a Postman collection (v2.0/v2.1) or environment, an OpenAPI 3.x / Swagger 2.0
 * document, a HAR recording.
 */
import { looksLikeCurl } from './curl';
import { isObject, parseDocumentText } from './documentText';
import type { ImportFormat } from './model';

export type DetectedFormat = ImportFormat | 'postman-environment';

/** What a parsed document is, or undefined. */
export function formatOfDocument(doc: unknown): DetectedFormat | undefined {
  if (!isObject(doc)) return undefined;
  if (typeof doc.openapi === 'string' || typeof doc.swagger === 'string') return 'openapi';
  if (isObject(doc.log) && Array.isArray(doc.log.entries)) return 'har';
  const info = doc.info;
  if (
    isObject(info) &&
    Array.isArray(doc.item) &&
    (typeof info._postman_id === 'string' ||
      /getpostman\.com/.test(String(info.schema ?? '')) ||
      typeof info.name === 'string')
  )
    return 'postman';
  if (Array.isArray(doc.values) && (typeof doc._postman_variable_scope === 'string' || typeof doc.name === 'string'))
    return 'postman-environment';
  return undefined;
}

/** The format of a text (and, when given, its file name); undefined when it is none of them. */
export function detectFormat(text: string, fileName?: string): DetectedFormat | undefined {
  const lower = (fileName ?? '').toLowerCase();
  if (looksLikeCurl(text) && !/^\s*[[{]/.test(text)) return 'curl';
  let doc: unknown;
  try {
    doc = parseDocumentText(text, fileName ?? 'input');
  } catch {
    doc = undefined;
  }
  const byContent = formatOfDocument(doc);
  if (byContent) return byContent;
  if (lower.endsWith('.har')) return 'har';
  if (lower.endsWith('.postman_collection.json')) return 'postman';
  if (lower.endsWith('.postman_environment.json')) return 'postman-environment';
  if (lower.endsWith('.sh') || lower.endsWith('.curl')) return 'curl';
  return undefined;
}
