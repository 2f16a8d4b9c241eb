/**
 * A small gRPC server reflection client (grpc.reflection.v1, falling back to v1alpha): asks the
 * server for the file that defines a service, then for every file it imports, and returns them as
 * one serialized FileDescriptorSet for @grpc/proto-loader. The few reflection messages needed are
 * encoded and decoded here with protobufjs's wire reader/writer; everything the server sends is
 * size-limited and checked.
 */
import type { Client, ClientDuplexStream, Metadata } from '@grpc/grpc-js';
import { grpcJs, protobufjs } from '../libraries';
import { TestMeshError } from '../errors';

const VERSIONS = ['grpc.reflection.v1', 'grpc.reflection.v1alpha'] as const;
/** A service's files and their imports: more than this is not a test's service. */
const MAX_FILES = 500;
const MAX_TOTAL_BYTES = 32 * 1024 * 1024;

interface ReflectionReply {
  files?: Buffer[];
  services?: string[];
  error?: { code: number; message: string };
}

/** ServerReflectionRequest: host = 1, file_by_filename = 3, file_containing_symbol = 4, list_services = 7. */
function encodeRequest(field: 3 | 4 | 7, value: string): Buffer {
  const writer = protobufjs().Writer.create();
  writer.uint32((field << 3) | 2).string(value);
  return Buffer.from(writer.finish());
}

/** ServerReflectionResponse: file_descriptor_response = 4, list_services_response = 6, error_response = 7. */
function decodeReply(bytes: Buffer): ReflectionReply {
  const reader = protobufjs().Reader.create(bytes);
  const reply: ReflectionReply = {};
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    if (field === 4 && (tag & 7) === 2) {
      const inner = protobufjs().Reader.create(reader.bytes());
      reply.files = [];
      while (inner.pos < inner.len) {
        const innerTag = inner.uint32();
        if (innerTag >>> 3 === 1 && (innerTag & 7) === 2) reply.files.push(Buffer.from(inner.bytes()));
        else inner.skipType(innerTag & 7);
      }
    } else if (field === 6 && (tag & 7) === 2) {
      const inner = protobufjs().Reader.create(reader.bytes());
      reply.services = [];
      while (inner.pos < inner.len) {
        const innerTag = inner.uint32();
        if (innerTag >>> 3 === 1 && (innerTag & 7) === 2) {
          const service = protobufjs().Reader.create(inner.bytes());
          while (service.pos < service.len) {
            const serviceTag = service.uint32();
            if (serviceTag >>> 3 === 1 && (serviceTag & 7) === 2) reply.services.push(service.string());
            else service.skipType(serviceTag & 7);
          }
        } else inner.skipType(innerTag & 7);
      }
    } else if (field === 7 && (tag & 7) === 2) {
      const inner = protobufjs().Reader.create(reader.bytes());
      const error = { code: 0, message: '' };
      while (inner.pos < inner.len) {
        const innerTag = inner.uint32();
        if (innerTag >>> 3 === 1 && (innerTag & 7) === 0) error.code = inner.int32();
        else if (innerTag >>> 3 === 2 && (innerTag & 7) === 2) error.message = inner.string();
        else inner.skipType(innerTag & 7);
      }
      reply.error = error;
    } else {
      reader.skipType(tag & 7);
    }
  }
  return reply;
}

/** FileDescriptorProto: name = 1, dependency = 3. */
function fileNameAndImports(bytes: Buffer): { name: string; imports: string[] } {
  const reader = protobufjs().Reader.create(bytes);
  let name = '';
  const imports: string[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === 2) name = reader.string();
    else if (field === 3 && (tag & 7) === 2) imports.push(reader.string());
    else reader.skipType(tag & 7);
  }
  return { name, imports };
}

/** One reflection stream: requests answered in order. */
class ReflectionStream {
  private readonly waiting: Array<{ resolve: (reply: ReflectionReply) => void; reject: (err: Error) => void }> = [];
  private failure: Error | undefined;
  private readonly call: ClientDuplexStream<Buffer, ReflectionReply>;

  constructor(client: Client, version: string, metadata: Metadata, deadline: number) {
    this.call = client.makeBidiStreamRequest(
      `/${version}.ServerReflection/ServerReflectionInfo`,
      (request: Buffer) => request,
      (bytes: Buffer) => decodeReply(bytes),
      metadata,
      { deadline },
    );
    this.call.on('data', (reply: ReflectionReply) => this.waiting.shift()?.resolve(reply));
    this.call.on('error', (err: Error) => this.fail(err));
    this.call.on('end', () => this.fail(new TestMeshError('the server closed the reflection stream')));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiter of this.waiting.splice(0)) waiter.reject(this.failure);
  }

  ask(request: Buffer): Promise<ReflectionReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.call.write(request);
    });
  }

  close(): void {
    this.call.end();
    this.call.cancel();
  }
}

function isUnimplemented(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: number }).code === grpcJs().status.UNIMPLEMENTED;
}

/**
 * The serialized FileDescriptorSet of the file defining `symbol` (a service) and all its imports,
 * fetched by reflection. Errors name the service and what the server answered.
 */
export async function reflectDescriptorSet(
  client: Client,
  symbol: string,
  metadata: Metadata,
  deadline: number,
  signal: AbortSignal,
): Promise<Buffer> {
  let lastError: unknown;
  for (const version of VERSIONS) {
    const stream = new ReflectionStream(client, version, metadata, deadline);
    const onAbort = () => stream.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await fetchFiles(stream, symbol);
    } catch (err) {
      lastError = err;
      if (!isUnimplemented(err)) break;
    } finally {
      signal.removeEventListener('abort', onAbort);
      stream.close();
    }
  }
  if (signal.aborted) throw signal.reason;
  if (isUnimplemented(lastError))
    throw new TestMeshError(
      "the server does not offer gRPC server reflection (UNIMPLEMENTED): give the service's .proto file in proto_file",
    );
  throw lastError instanceof TestMeshError
    ? lastError
    : new TestMeshError(
        `server reflection failed: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
      );
}

async function fetchFiles(stream: ReflectionStream, symbol: string): Promise<Buffer> {
  const files = new Map<string, Buffer>();
  let total = 0;
  const add = (reply: ReflectionReply, asked: string) => {
    if (reply.error) {
      const hint =
        reply.error.code === grpcJs().status.NOT_FOUND
          ? ' (is the service name fully qualified, like package.Service?)'
          : '';
      throw new TestMeshError(
        `server reflection: ${asked}: ${reply.error.message || `error ${reply.error.code}`}${hint}`,
      );
    }
    for (const bytes of reply.files ?? []) {
      const { name } = fileNameAndImports(bytes);
      if (files.has(name)) continue;
      total += bytes.length;
      if (files.size >= MAX_FILES || total > MAX_TOTAL_BYTES)
        throw new TestMeshError(`server reflection: the descriptors of ${symbol} are too large`);
      files.set(name, bytes);
    }
  };
  add(await stream.ask(encodeRequest(4, symbol)), `service ${symbol}`);
  if (files.size === 0) throw new TestMeshError(`server reflection: no descriptor for ${symbol}`);
  // Servers may send only the file itself: ask for the imports it still lacks.
  for (let missing = missingImports(files); missing.length; missing = missingImports(files)) {
    for (const name of missing) {
      add(await stream.ask(encodeRequest(3, name)), `file ${name}`);
      if (!files.has(name))
        throw new TestMeshError(
          `server reflection: the server did not send ${name}, imported by the definition of ${symbol}`,
        );
    }
  }
  // FileDescriptorSet: field 1 (file), repeated.
  const writer = protobufjs().Writer.create();
  for (const bytes of files.values()) writer.uint32((1 << 3) | 2).bytes(bytes);
  return Buffer.from(writer.finish());
}

function missingImports(files: Map<string, Buffer>): string[] {
  const missing = new Set<string>();
  for (const bytes of files.values())
    for (const name of fileNameAndImports(bytes).imports) if (!files.has(name)) missing.add(name);
  return [...missing];
}

/** The services the server lists by reflection (for did-you-mean hints). */
export async function reflectServices(client: Client, metadata: Metadata, deadline: number): Promise<string[]> {
  for (const version of VERSIONS) {
    const stream = new ReflectionStream(client, version, metadata, deadline);
    try {
      const reply = await stream.ask(encodeRequest(7, '*'));
      return reply.services ?? [];
    } catch (err) {
      if (!isUnimplemented(err)) return [];
    } finally {
      stream.close();
    }
  }
  return [];
}
