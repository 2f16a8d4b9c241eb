/**
 * The `tls` map of the Kafka and gRPC actions, read once for both: TestMesh's keys (`enabled`,
 * `insecure_skip_verify`, `ca_file`, `cert_file`, `key_file`) plus inline PEM text (`ca`, `cert`,
 * `key`) for values kept in secrets, `password` for an encrypted key and `server_name`. Files are
 * relative to the flow file. Key material and the password are marked secret for the execution.
 */
import { readFile } from 'node:fs/promises';
import type { ConnectionOptions } from 'node:tls';
import { TestMeshError } from '../errors';
import { optionalBoolean, optionalMap, optionalString, type Config } from './config';
import type { ActionContext } from './types';

/** A file a flow names: relative to the flow file and confined to the workspace (ctx.resolveFile). */
async function readFlowFile(ctx: ActionContext, path: string, what: string): Promise<string> {
  const full = await ctx.resolveFile(path, `config.tls.${what}`);
  try {
    return await readFile(full, 'utf8');
  } catch (err) {
    throw new TestMeshError(
      `config.tls.${what}: cannot read ${full}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
}

/** The TLS options of a `tls` map, or undefined without one (or with `enabled: false`). */
export async function readTls(config: Config, ctx: ActionContext): Promise<ConnectionOptions | undefined> {
  const tls = optionalMap(config, 'tls');
  if (!tls) return undefined;
  if (optionalBoolean(tls, 'enabled') === false) return undefined;
  const options: ConnectionOptions = { rejectUnauthorized: optionalBoolean(tls, 'insecure_skip_verify') !== true };
  const pem = async (inline: string, file: string): Promise<string | undefined> => {
    const text = optionalString(tls, inline);
    if (text) return text;
    const path = optionalString(tls, file);
    return path ? readFlowFile(ctx, path, file) : undefined;
  };
  const ca = await pem('ca', 'ca_file');
  const cert = await pem('cert', 'cert_file');
  const key = await pem('key', 'key_file');
  if (key) {
    ctx.addSecret(key);
    // A key may also surface line by line (in a parse error): its base64 lines are secret too.
    for (const line of key.split(/\r?\n/)) if (line.length >= 16 && !line.startsWith('-----')) ctx.addSecret(line);
  }
  if (optionalString(tls, 'password')) ctx.addSecret(optionalString(tls, 'password')!);
  if (ca) options.ca = [ca];
  if (cert) options.cert = cert;
  if (key) options.key = key;
  if (optionalString(tls, 'password')) options.passphrase = optionalString(tls, 'password');
  if (optionalString(tls, 'server_name')) options.servername = optionalString(tls, 'server_name');
  return options;
}
