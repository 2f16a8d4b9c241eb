/**
 * `testmesh init [DIR]`: a starter project laid out as TestMesh's own `init` lays it out: a
 * `.testmesh.yaml` with named environments and a default step timeout, and `flows/example.yaml`.
 * Existing files are never overwritten. The example flow passes against the bundled demo API
 * (`node examples/demo-api/server.mjs --port 3000`), which is what the `development`
 * environment points at.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { toPosix } from '../core/discovery';
import { errorMessage } from '../core/errors';
import { PROJECT_FILE_NAME } from '../core/projectFile';
import type { InitArgs } from './args';
import { EXIT_INVALID, EXIT_OK, type Io } from './run';

export const STARTER_PROJECT_FILE = `# TestMesh project settings, read by \`testmesh run\` and the VS Code extension.
version: "1.0"

# The environment runs use when none is chosen (\`testmesh run --env NAME\` picks another).
environment: development

# Time limit of a step that sets no \`timeout\` of its own.
timeout: 30s

# Named environments: each key is a variable the flows read as \${NAME} or {{NAME}}.
environments:
  development:
    BASE_URL: http://localhost:3000
  staging:
    BASE_URL: https://staging.example.com
`;

export const STARTER_FLOW = `flow:
  name: Example API test
  description: Checks that the API is up, creates a user, reads it back and deletes it
  suite: examples
  tags: [example]

  env:
    USER_EMAIL: example-\${RANDOM_ID}@example.com

  steps:
    - id: health_check
      name: The API is up
      action: http_request
      config:
        method: GET
        url: \${BASE_URL}/health
      assert:
        - status == 200
        - body.status == "ok"

    - id: create_user
      name: Create a user
      action: http_request
      config:
        method: POST
        url: \${BASE_URL}/users
        headers:
          Content-Type: application/json
        body:
          name: Example User
          email: \${USER_EMAIL}
      assert:
        - status == 201
        - body.id != null
      output:
        user_id: $.body.id

    - id: read_user
      name: Read the user back
      action: http_request
      config:
        method: GET
        url: \${BASE_URL}/users/\${create_user.user_id}
      assert:
        - status == 200
        - body.email == "\${USER_EMAIL}"

  teardown:
    - id: delete_user
      name: Delete the user
      action: http_request
      when: create_user.user_id != null
      config:
        method: DELETE
        url: \${BASE_URL}/users/\${create_user.user_id}
      assert:
        - status == 204
`;

export async function initCommand(args: InitArgs, io: Io): Promise<number> {
  const root = resolve(io.cwd, args.dir);
  const files: Array<[string, string]> = [
    [PROJECT_FILE_NAME, STARTER_PROJECT_FILE],
    ['flows/example.yaml', STARTER_FLOW],
  ];
  const shown = (rel: string) => toPosix(relative(io.cwd, join(root, rel))) || rel;
  try {
    await mkdir(join(root, 'flows'), { recursive: true });
    for (const [rel, text] of files) {
      try {
        await writeFile(join(root, rel), text, { flag: 'wx' });
        io.stdout.write(`created ${shown(rel)}\n`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        io.stdout.write(`kept    ${shown(rel)} (it exists already)\n`);
      }
    }
  } catch (err) {
    io.stderr.write(`testmesh: cannot write the starter project in ${root}: ${errorMessage(err)}\n`);
    return EXIT_INVALID;
  }
  const at = toPosix(relative(io.cwd, root));
  io.stdout.write(
    [
      '',
      'Next:',
      `  1. point the environments in ${shown(PROJECT_FILE_NAME)} at your API (development: http://localhost:3000)`,
      `  2. ${at && at !== '.' ? `cd ${at} && ` : ''}testmesh run flows        (or --env staging)`,
      '',
    ].join('\n'),
  );
  return EXIT_OK;
}
