/** Reads `.env` files: `KEY=value`, `export KEY=value`, quotes, `#` comments. */
import { readFile } from 'node:fs/promises';
import { TestMeshError } from './errors';

function parseDotenv(text: string, file = '.env'): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new TestMeshError(`expected KEY=value`, file, { line: i + 1, column: 1 });
    let value = m[2];
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    } else {
      const hash = value.indexOf(' #');
      if (hash >= 0) value = value.slice(0, hash).trimEnd();
    }
    out[m[1]] = value;
  }
  return out;
}

export async function readDotenv(file: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new TestMeshError(`cannot read env file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, file);
  }
  return parseDotenv(text, file);
}

/** Kept for callers that import it from here; the policy lives in secrets.ts. */
export { looksSecret } from './secrets';
