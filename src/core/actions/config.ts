/** Reading an action's (already interpolated) config with errors that name the key. */
import { parseDuration } from '../duration';
import { TestMeshError } from '../errors';

export type Config = Record<string, unknown>;

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function optionalString(config: Config, key: string): string | undefined {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TestMeshError(`config.${key} must be a string, got ${describe(value)}`);
}

export function requireString(config: Config, key: string): string {
  const value = optionalString(config, key);
  if (value === undefined || value === '') throw new TestMeshError(`config.${key} is required`);
  return value;
}

export function optionalNumber(config: Config, key: string): number | undefined {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n))
    throw new TestMeshError(`config.${key} must be a number, got ${describe(value)}`);
  return n;
}

export function optionalBoolean(config: Config, key: string): boolean | undefined {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new TestMeshError(`config.${key} must be true or false, got ${describe(value)}`);
}

export function optionalDuration(config: Config, key: string): number | undefined {
  const value = config[key];
  if (value === undefined || value === null || value === '') return undefined;
  return parseDuration(value, `config.${key}`);
}

export function optionalMap(config: Config, key: string): Record<string, unknown> | undefined {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new TestMeshError(`config.${key} must be a map, got ${describe(value)}`);
}

export function optionalList(config: Config, key: string): unknown[] | undefined {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value;
  throw new TestMeshError(`config.${key} must be a list, got ${describe(value)}`);
}
