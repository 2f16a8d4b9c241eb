/** The shape of a REST route table entry, shared by routes.ts and the route files it includes. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExecutionManager } from '../core/executions';
import { HttpError } from './http';

export interface ApiContext {
  workspace: string;
  manager: ExecutionManager;
  port: number;
}

export type Params = Record<string, string>;
export type RouteHandler = (
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  params: Params,
  query: URLSearchParams,
) => Promise<void>;

export interface Route {
  pattern: RegExp;
  /** Names of the pattern's groups, in order; each value is URL-decoded. */
  names: string[];
  methods: Partial<Record<string, RouteHandler>>;
}

export function nonNegativeInteger(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null || text === '') return undefined;
  if (!/^\d{1,9}$/.test(text))
    throw new HttpError(400, `${name} must be a whole number >= 0, got ${JSON.stringify(text)}`);
  return Number(text);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
