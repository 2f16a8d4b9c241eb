/**
 * The heavy client libraries, loaded on first use. Most runs never speak gRPC, Kafka, Redis or
 * PostgreSQL, or match a regular expression, and these libraries are half of the CLI bundle: the
 * bundler puts them in dist/vendor/ (esbuild.config.mjs), so a process parses only those its flows
 * use, and a 1-step run or the extension's activation pays for none of them.
 *
 * Code that needs one calls the accessor at the point of use and imports only types statically.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- on-demand loading is this file's purpose */

function onFirstUse<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}

export const grpcJs = onFirstUse(() => require('@grpc/grpc-js') as typeof import('@grpc/grpc-js'));
export const protoLoader = onFirstUse(() => require('@grpc/proto-loader') as typeof import('@grpc/proto-loader'));
export const protobufjs = onFirstUse(() => require('protobufjs') as typeof import('protobufjs'));
export const kafkajs = onFirstUse(() => require('kafkajs') as typeof import('kafkajs'));
export const redisClient = onFirstUse(() => require('@redis/client') as typeof import('@redis/client'));
export const postgres = onFirstUse(() => require('pg') as typeof import('pg'));
export const re2js = onFirstUse(() => require('re2js') as typeof import('re2js'));
