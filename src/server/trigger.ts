/** Runs started from the served web UI say so in history; everything else is "api". */
import type { IncomingMessage } from 'node:http';
import type { ExecutionTrigger } from '../core/history/types';
import { sameOrigins } from './auth';

export function triggerOf(req: IncomingMessage, port: number): ExecutionTrigger {
  const origin = req.headers.origin?.toLowerCase();
  return origin && sameOrigins(port).includes(origin) ? 'browser' : 'api';
}
