/**
 * What the gRPC actions share: TestMesh's keys (`address`, `service`, `method`, `metadata`,
 * `proto_file`, `use_reflection`, `use_tls`, `timeout`), the service definition (from a .proto
 * file with its imports, relative to the flow file, or from server reflection), one client per
 * address and TLS settings per execution (closed when it ends), and the result's status names and
 * metadata map.
 *
 * Messages are JSON with the field names of the .proto (`user_id`, not `userId`); 64-bit integers
 * are strings, enums their names, and unset fields show their defaults.
 */
import { dirname } from 'node:path';
import type { ChannelCredentials, Client, Metadata, ServiceError, StatusObject } from '@grpc/grpc-js';
import type { MethodDefinition, Options, PackageDefinition } from '@grpc/proto-loader';
import { grpcJs, protoLoader } from '../libraries';
import { TestMeshError } from '../errors';
import { suggest } from '../flow/suggest';
import { stringifyValue } from '../template';
import { optionalBoolean, optionalDuration, optionalMap, optionalString, requireString, type Config } from './config';
import { reflectDescriptorSet, reflectServices } from './grpcReflection';
import { loadConfinedProto } from './protoFiles';
import { readTls } from './tlsConfig';
import { executionState } from './executionResources';
import type { ActionContext } from './types';

const STATE_KEY = 'grpc.clients';
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Replies larger than this are refused (a hostile or broken server must not exhaust memory). */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

const LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  bytes: String,
  defaults: true,
  oneofs: true,
};

export interface GrpcTarget {
  address: string;
  service: string;
  method: string;
  /** `/package.Service/Method`. */
  path: string;
  definition: MethodDefinition<object, object>;
  client: Client;
  metadata: Metadata;
  timeoutMs: number;
}

interface GrpcState {
  clients: Map<string, Client>;
  definitions: Map<string, Promise<PackageDefinition>>;
}

function state(ctx: ActionContext): GrpcState {
  return executionState<GrpcState>(
    ctx,
    STATE_KEY,
    () => ({ clients: new Map(), definitions: new Map() }),
    (created) => {
      for (const client of created.clients.values()) client.close();
      created.clients.clear();
      created.definitions.clear();
    },
  );
}

async function readCredentials(
  config: Config,
  ctx: ActionContext,
): Promise<{ creds: ChannelCredentials; key: string }> {
  const tls = await readTls(config, ctx);
  if (!tls && optionalBoolean(config, 'use_tls') !== true)
    return { creds: grpcJs().credentials.createInsecure(), key: 'plaintext' };
  const pem = (v: unknown) => (typeof v === 'string' ? Buffer.from(v) : null);
  const ca = Array.isArray(tls?.ca) ? tls.ca[0] : tls?.ca;
  const verify =
    tls?.rejectUnauthorized === false ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {};
  const creds = grpcJs().credentials.createSsl(pem(ca), pem(tls?.key), pem(tls?.cert), verify);
  return {
    creds,
    key: JSON.stringify([
      'tls',
      ca ?? null,
      tls?.cert ?? null,
      tls?.key ? 'key' : null,
      tls?.rejectUnauthorized ?? true,
    ]),
  };
}

async function clientFor(ctx: ActionContext, address: string, config: Config): Promise<Client> {
  const { creds, key } = await readCredentials(config, ctx);
  const clients = state(ctx).clients;
  const id = `${address}|${key}`;
  let client = clients.get(id);
  if (!client) {
    client = new (grpcJs().Client)(address, creds, { 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES });
    clients.set(id, client);
  }
  return client;
}

/** Request metadata: names lower-cased; `-bin` names take base64 text. */
function readMetadata(config: Config): Metadata {
  const metadata = new (grpcJs().Metadata)();
  const given = optionalMap(config, 'metadata');
  for (const [name, value] of Object.entries(given ?? {})) {
    const key = name.toLowerCase();
    if (key.endsWith('-bin')) metadata.add(key, Buffer.from(stringifyValue(value), 'base64'));
    else metadata.add(key, stringifyValue(value));
  }
  return metadata;
}

/** Response headers and trailers as one name -> value map (repeated values joined by ", "; binary as base64). */
export function metadataMap(...sources: Array<Metadata | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const source of sources) if (source) Object.assign(out, collect(source));
  return out;
}

function collect(source: Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  const raw = source.toJSON() as Record<string, Array<string | Buffer>>;
  for (const [name, values] of Object.entries(raw))
    out[name] = values.map((v) => (Buffer.isBuffer(v) ? v.toString('base64') : String(v))).join(', ');
  return out;
}

/** `OK`, `NOT_FOUND`, `DEADLINE_EXCEEDED`, ... for a numeric status code. */
function statusName(code: number): string {
  return (grpcJs().status as unknown as Record<number, string>)[code] ?? `UNKNOWN_STATUS_${code}`;
}

export function isServiceError(err: unknown): err is ServiceError {
  return (
    typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number' && 'metadata' in err
  );
}

async function loadDefinition(
  ctx: ActionContext,
  config: Config,
  client: Client,
  address: string,
  service: string,
  metadata: Metadata,
  deadline: number,
): Promise<PackageDefinition> {
  const protoFile = optionalString(config, 'proto_file');
  const definitions = state(ctx).definitions;
  if (protoFile && optionalBoolean(config, 'use_reflection') !== true) {
    // Confined to the workspace like every file a flow names; its imports are found next to it or the flow.
    const full = await ctx.resolveFile(protoFile, 'config.proto_file');
    const includeDirs = [dirname(full), dirname(ctx.flowFile)];
    const key = `file:${full}`;
    let loaded = definitions.get(key);
    if (!loaded) {
      // Its imports too: each one confined like the file itself (protoFiles.ts).
      loaded = loadConfinedProto(full, includeDirs, LOADER_OPTIONS, (path, what) => ctx.resolveFile(path, what));
      definitions.set(key, loaded);
      loaded.catch(() => definitions.delete(key));
    }
    return loaded;
  }
  const key = `reflection:${address}|${service}`;
  let loaded = definitions.get(key);
  if (!loaded) {
    loaded = reflectDescriptorSet(client, service, metadata, deadline, ctx.signal).then((set) =>
      protoLoader().loadFileDescriptorSetFromBuffer(set, LOADER_OPTIONS),
    );
    definitions.set(key, loaded);
    loaded.catch(() => definitions.delete(key));
  }
  return loaded;
}

/** ` (did you mean 'X'?)` for a service or method name, compared without case. */
function nameHint(word: string, names: string[]): string {
  const lower = names.map((n) => n.toLowerCase());
  const hint = suggest(word.toLowerCase(), lower);
  const match = /'(.*)'/.exec(hint);
  return match ? ` (did you mean '${names[lower.indexOf(match[1])]}'?)` : '';
}

function isMethod(value: unknown): value is MethodDefinition<object, object> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { path?: unknown }).path === 'string' &&
    'requestSerialize' in value
  );
}

/** Reads the call's keys, loads the service and finds the method; errors say what exists. */
export async function resolveTarget(config: Config, ctx: ActionContext): Promise<GrpcTarget> {
  const address = requireString(config, 'address');
  const service = requireString(config, 'service').replace(/^\//, '');
  const method = requireString(config, 'method');
  const timeoutMs = optionalDuration(config, 'timeout') ?? DEFAULT_TIMEOUT_MS;
  const metadata = readMetadata(config);
  const client = await clientFor(ctx, address, config);
  const deadline = Date.now() + timeoutMs;
  const definition = await loadDefinition(ctx, config, client, address, service, metadata, deadline);

  const serviceDef = definition[service] as Record<string, unknown> | undefined;
  const services = Object.keys(definition).filter((name) => {
    const entry = definition[name] as Record<string, unknown>;
    return Object.values(entry).some(isMethod);
  });
  if (!serviceDef || !Object.values(serviceDef).some(isMethod)) {
    const known = services.length ? services : await reflectServices(client, metadata, deadline).catch(() => []);
    throw new TestMeshError(
      `gRPC: no service '${service}'${nameHint(service, known) || (known.length ? ` (services: ${known.join(', ')})` : '')}`,
    );
  }
  const found = serviceDef[method];
  if (!isMethod(found)) {
    const methods = Object.keys(serviceDef).filter((name) => isMethod(serviceDef[name]));
    throw new TestMeshError(
      `gRPC: service '${service}' has no method '${method}'${nameHint(method, methods) || ` (methods: ${methods.join(', ')})`}`,
    );
  }
  return { address, service, method, path: found.path, definition: found, client, metadata, timeoutMs };
}

/** A request message from the flow (a map); serialized now so a wrong field fails with its name. */
export function encodeRequest(target: GrpcTarget, value: unknown, what: string): Buffer {
  if (value === undefined || value === null) value = {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new TestMeshError(`config.${what} must be a map (the request message as JSON), got ${JSON.stringify(value)}`);
  // protobufjs drops unknown fields silently: a misspelt field would send an empty value.
  const type = (
    target.definition.requestType as { type?: { name?: string; field?: Array<{ name: string }> } } | undefined
  )?.type;
  const fields = type?.field?.map((f) => f.name);
  if (fields) {
    for (const key of Object.keys(value as object)) {
      if (!fields.includes(key)) {
        throw new TestMeshError(
          `config.${what}: ${type?.name ?? 'the request'} has no field '${key}'${nameHint(key, fields) || ` (fields: ${fields.join(', ') || 'none'})`}`,
        );
      }
    }
  }
  try {
    return target.definition.requestSerialize(value as object);
  } catch (err) {
    throw new TestMeshError(
      `config.${what}: not a valid ${target.service}/${target.method} request: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** The error of a call that ended with a non-OK status (or was cut off). */
function callError(target: GrpcTarget, err: ServiceError, extra = ''): TestMeshError {
  const name = statusName(err.code);
  const detail = err.details || err.message;
  const error = new TestMeshError(
    `gRPC ${target.path} on ${target.address}: ${name}${detail ? `: ${detail}` : ''}${extra}`,
  );
  return error;
}

/** `expected_status`: the status names (or codes) a flow expects instead of OK. */
export function expectedStatuses(config: Config): Set<string> {
  const value = config.expected_status;
  const list = value === undefined || value === null ? ['OK'] : Array.isArray(value) ? value : [value];
  return new Set(list.map((v) => (typeof v === 'number' ? statusName(v) : String(v).toUpperCase())));
}

/**
 * The status a step's result reports: the server's error status, or OK. A status the flow does not
 * expect (`expected_status`, default OK) fails the step; `extra` is added to that error's message.
 */
export function callStatus(
  target: GrpcTarget,
  expected: Set<string>,
  error: ServiceError | undefined,
  trailers: StatusObject | undefined,
  extra = '',
): { status_code: string; status_message: string } {
  if (error) {
    const name = statusName(error.code);
    if (!expected.has(name)) throw callError(target, error, extra);
    return { status_code: name, status_message: error.details ?? '' };
  }
  if (!expected.has('OK'))
    throw new TestMeshError(`gRPC ${target.path}: expected status ${[...expected].join(' or ')}, got OK`);
  return { status_code: 'OK', status_message: trailers?.details ?? '' };
}
