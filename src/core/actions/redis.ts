/**
 * The `redis.*` actions of TestMesh's Redis plugin, with its result keys:
 *   redis.get     {key}              -> value (text, null when missing), exists
 *   redis.set     {key, value, ttl}  -> ok (maps and lists are stored as JSON, other values as text)
 *   redis.del     {key}              -> deleted (0 or 1)
 *   redis.exists  {key}              -> exists, count
 * on the execution's connection for the server (redisConnection.ts).
 */
import { TestMeshError } from '../errors';
import { stringifyValue } from '../template';
import { optionalDuration, requireString, type Config } from './config';
import { redisTargetOf, withRedis } from './redisConnection';
import { registerAction } from './registry';
import type { ActionContext } from './types';

const DEFAULT_TIMEOUT_MS = 10_000;

function common(config: Config, ctx: ActionContext) {
  return {
    target: redisTargetOf(config, ctx),
    key: requireString(config, 'key'),
    timeoutMs: optionalDuration(config, 'timeout') ?? DEFAULT_TIMEOUT_MS,
  };
}

async function get(config: Config, ctx: ActionContext) {
  const { target, key, timeoutMs } = common(config, ctx);
  const value = await withRedis(ctx, target, `GET ${JSON.stringify(key)}`, timeoutMs, (c) => c.get(key));
  return { value: value ?? null, exists: value !== null && value !== undefined };
}

async function set(config: Config, ctx: ActionContext) {
  const { target, key, timeoutMs } = common(config, ctx);
  if (config.value === undefined) throw new TestMeshError('config.value is required');
  const value = stringifyValue(config.value);
  const ttlMs = optionalDuration(config, 'ttl');
  if (ttlMs !== undefined && (ttlMs < 1 || !Number.isFinite(ttlMs)))
    throw new TestMeshError(`config.ttl must be at least 1ms, got ${ttlMs}ms`);
  const options = ttlMs ? { expiration: { type: 'PX' as const, value: Math.round(ttlMs) } } : undefined;
  await withRedis(ctx, target, `SET ${JSON.stringify(key)}`, timeoutMs, (c) => c.set(key, value, options));
  return { ok: true };
}

async function del(config: Config, ctx: ActionContext) {
  const { target, key, timeoutMs } = common(config, ctx);
  const deleted = await withRedis(ctx, target, `DEL ${JSON.stringify(key)}`, timeoutMs, (c) => c.del(key));
  return { deleted: Number(deleted) };
}

async function exists(config: Config, ctx: ActionContext) {
  const { target, key, timeoutMs } = common(config, ctx);
  const count = Number(await withRedis(ctx, target, `EXISTS ${JSON.stringify(key)}`, timeoutMs, (c) => c.exists(key)));
  return { exists: count > 0, count };
}

registerAction({ name: 'redis.get', run: get });
registerAction({ name: 'redis.set', run: set });
registerAction({ name: 'redis.del', run: del });
registerAction({ name: 'redis.exists', run: exists });
