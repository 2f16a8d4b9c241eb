/** `wait_for`: polls an HTTP endpoint or a TCP port until it answers as expected. */
import { connect } from 'node:net';
import { exchange } from '../http/exchange';
import type { Dispatcher } from '../http/undici';
import { errorMessage, TestMeshError } from '../errors';
import { formatDuration } from '../format';
import { parseOutputPath, readPath } from '../path';
import { sleep } from '../cancellation';
import { optionalDuration, optionalMap, optionalNumber, optionalString, type Config } from './config';
import { buildUrl, describeNetworkError, parseBody } from './http_request';
import { registerAction } from './registry';
import { stringifyValue } from '../template';

type Probe = (signal: AbortSignal) => Promise<{ ok: boolean; why: string; status?: number }>;

function httpProbe(config: Config, dispatcher: Dispatcher): Probe {
  const url = buildUrl(optionalString(config, 'url') ?? '', undefined);
  const method = (optionalString(config, 'method') ?? 'GET').toUpperCase();
  const expectedStatus = optionalNumber(config, 'status_code') ?? 200;
  const bodyContains = optionalString(config, 'body_contains');
  const jsonPath = optionalString(config, 'json_path');
  const segments = jsonPath ? parseOutputPath(jsonPath.startsWith('$') ? jsonPath : `$.${jsonPath}`) : undefined;
  const jsonValue = config.json_value;
  const given = optionalMap(config, 'headers') ?? {};
  const headers: Record<string, string> = {};
  for (const key of Object.keys(given)) headers[key] = stringifyValue(given[key]);
  return async (signal) => {
    let res;
    try {
      res = await exchange(url, { method, headers, signal, dispatcher });
    } catch (err) {
      return { ok: false, why: describeNetworkError(err, method, url).message };
    }
    const text = res.body.toString('utf8');
    if (res.status !== expectedStatus)
      return { ok: false, why: `status ${res.status}, waiting for ${expectedStatus}`, status: res.status };
    if (bodyContains !== undefined && !text.includes(bodyContains))
      return { ok: false, why: `body does not contain ${JSON.stringify(bodyContains)}`, status: res.status };
    if (segments) {
      const value = readPath(parseBody(text, res.headers['content-type'] ?? ''), segments);
      if (jsonValue !== undefined && stringifyValue(value) !== stringifyValue(jsonValue)) {
        return {
          ok: false,
          why: `${jsonPath} is ${JSON.stringify(value)}, waiting for ${JSON.stringify(jsonValue)}`,
          status: res.status,
        };
      }
      if (jsonValue === undefined && value === undefined)
        return { ok: false, why: `${jsonPath} is missing`, status: res.status };
    }
    return { ok: true, why: '', status: res.status };
  };
}

function tcpProbe(config: Config): Probe {
  const host = optionalString(config, 'host') ?? '127.0.0.1';
  const port = optionalNumber(config, 'port');
  if (port === undefined || !Number.isInteger(port) || port <= 0 || port > 65535)
    throw new TestMeshError('config.port must be a TCP port number');
  return (signal) =>
    new Promise((resolve) => {
      const socket = connect({ host, port });
      const done = (ok: boolean, why: string) => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve({ ok, why });
      };
      const onAbort = () => done(false, 'cancelled');
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => done(true, ''));
      socket.once('error', (err) => done(false, `${host}:${port}: ${errorMessage(err)}`));
    });
}

registerAction({
  name: 'wait_for',
  async run(config, ctx) {
    const type = optionalString(config, 'type') ?? (config.url !== undefined ? 'http' : 'tcp');
    if (type !== 'http' && type !== 'tcp')
      throw new TestMeshError(`config.type must be http or tcp, got ${JSON.stringify(type)}`);
    const probe = type === 'http' ? httpProbe(config, ctx.dispatcher) : tcpProbe(config);
    const timeoutMs = optionalDuration(config, 'timeout') ?? 30_000;
    const intervalMs = optionalDuration(config, 'interval') ?? 1000;
    const maxAttempts = optionalNumber(config, 'max_attempts') ?? 0;
    const started = Date.now();
    let attempts = 0;
    for (;;) {
      attempts++;
      const remaining = timeoutMs - (Date.now() - started);
      const probeSignal = AbortSignal.any([
        ctx.signal,
        AbortSignal.timeout(Math.max(1, Math.min(remaining, Math.max(intervalMs, 1000)))),
      ]);
      const outcome = await probe(probeSignal);
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (outcome.ok) return { ready: true, attempts, elapsed_ms: Date.now() - started, status: outcome.status };
      const elapsed = Date.now() - started;
      if ((maxAttempts > 0 && attempts >= maxAttempts) || elapsed + intervalMs > timeoutMs) {
        throw new TestMeshError(`not ready after ${attempts} attempts in ${formatDuration(elapsed)}: ${outcome.why}`);
      }
      await sleep(intervalMs, ctx.signal);
    }
  },
});
