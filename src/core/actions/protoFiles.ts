/**
 * Loads a flow's `.proto` file and everything it imports, every file confined to the workspace
 * like any path a flow names (core/fileAccess.ts): an `import "../../elsewhere.proto"`, an
 * absolute import or a symlink out of the workspace fails the step with the import, the file that
 * names it and the rule, and nothing outside is read.
 *
 * First every import is found (protobufjs's own parser reads each file's imports), resolved the
 * way @grpc/proto-loader resolves them (absolute as is; the first include folder that has it;
 * else next to the importing file) and confined through `resolveFile`. Then protobufjs loads the
 * files with a resolver that answers only those checked paths, so a file that changed in between
 * cannot pull in anything unchecked. Google's well-known types come from protobufjs's bundled
 * copies, never from disk.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { Options, PackageDefinition } from '@grpc/proto-loader';
import type * as Protobuf from 'protobufjs';
import { TestMeshError } from '../errors';
import { protobufjs, protoLoader } from '../libraries';

/** Confines a path (absolute here) and returns its real path, or throws naming `what`. */
export type ResolveFile = (absolutePath: string, what: string) => Promise<string>;

/** Imports of one file are looked up no deeper than this (protobufjs's own nesting limit is similar). */
const MAX_FILES = 500;

/** `google/protobuf/x.proto` names protobufjs answers from its bundled copies (as its loader does). */
function bundled(target: string): boolean {
  const at = target.lastIndexOf('google/protobuf/');
  return at >= 0 && target.slice(at) in (protobufjs().common as unknown as Record<string, unknown>);
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

const importKey = (origin: string, target: string) => `${origin}\0${target}`;

/**
 * The package definition of `protoFile` (already confined, real path), its imports resolved in
 * `includeDirs` then next to the importing file, each confined by `resolveFile`.
 */
export async function loadConfinedProto(
  protoFile: string,
  includeDirs: readonly string[],
  options: Options,
  resolveFile: ResolveFile,
): Promise<PackageDefinition> {
  const protobuf = protobufjs();
  const checked = new Map<string, string>();
  const queue = [protoFile];
  const seen = new Set(queue);
  while (queue.length) {
    const file = queue.shift()!;
    let parsed: Protobuf.IParserResult;
    try {
      parsed = protobuf.parse(await readFile(file, 'utf8'), new protobuf.Root(), { keepCase: true });
    } catch (err) {
      throw new TestMeshError(`config.proto_file: ${basename(file)}: ${err instanceof Error ? err.message : err}`);
    }
    for (const target of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
      if (bundled(target)) continue;
      let candidate = isAbsolute(target) ? target : undefined;
      for (const dir of includeDirs) {
        if (candidate) break;
        if (await isFile(join(dir, target))) candidate = join(dir, target);
      }
      candidate ??= resolve(file, '..', target);
      const real = await resolveFile(candidate, `config.proto_file: import "${target}" in ${basename(file)}`);
      checked.set(importKey(file, target), real);
      if (!seen.has(real)) {
        if (seen.size >= MAX_FILES) throw new TestMeshError(`config.proto_file imports more than ${MAX_FILES} files`);
        seen.add(real);
        queue.push(real);
      }
    }
  }

  const root = new protobuf.Root();
  root.resolvePath = (origin: string, target: string): string => {
    if (origin === '' && target === protoFile) return protoFile;
    const real = checked.get(importKey(origin, target));
    // Changed since it was checked: refuse rather than read an unchecked path.
    if (!real)
      throw new TestMeshError(`config.proto_file: import "${target}" in ${basename(origin)} changed while loading`);
    return real;
  };
  try {
    root.loadSync(protoFile, { keepCase: options.keepCase ?? false });
    root.resolveAll();
    return protoLoader().fromJSON(root.toJSON(), options);
  } catch (err) {
    if (err instanceof TestMeshError) throw err;
    throw new TestMeshError(
      `config.proto_file: cannot load ${protoFile}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
