/** `testmesh serve`: placeholder until the local API lands (issue 3). */
import type { ServeArgs } from './args';
import type { Io } from './run';

export async function serveCommand(_args: ServeArgs, io: Io): Promise<number> {
  io.stderr.write('testmesh: serve is not available in this build yet\n');
  return 2;
}
