/**
 * Variable names (with their value and line) from the files a run's environment comes from: a
 * `.env` file and a project's `.testmesh.yaml` (`environments: {name: {VAR: value}}`, the default
 * one named by `environment:`). For go to definition, completion and hover; never throws.
 */
import { isMap, isScalar, parseDocument } from 'yaml';

export interface EnvironmentVariable {
  name: string;
  value: string;
  file: string;
  /** 0-based line of the definition. */
  line: number;
  /** 0-based column where the name starts. */
  column: number;
  source: 'environment' | 'env_file' | '.testmesh.yaml';
}

const DOTENV_LINE = /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/;

export function dotenvVariables(
  text: string,
  file: string,
  source: EnvironmentVariable['source'],
): EnvironmentVariable[] {
  const out: EnvironmentVariable[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (/^\s*#/.test(line)) return;
    const m = DOTENV_LINE.exec(line);
    if (!m) return;
    let value = m[3].trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) value = value.slice(1, -1);
    else if (value.includes(' #')) value = value.slice(0, value.indexOf(' #')).trimEnd();
    out.push({ name: m[2], value, file, line: index, column: m[1].length, source });
  });
  return out;
}

/** Variables of the selected (or default, else first) environment of a `.testmesh.yaml`. */
export function testmeshYamlVariables(text: string, file: string, selected?: string): EnvironmentVariable[] {
  try {
    const doc = parseDocument(text, { prettyErrors: false });
    const root = doc.contents;
    if (!isMap(root)) return [];
    const environments = root.get('environments', true);
    if (!isMap(environments)) return [];
    const named = root.get('environment', true);
    const defaultName = selected ?? (isScalar(named) ? String(named.value) : undefined);
    const pair =
      environments.items.find((p) => isScalar(p.key) && String(p.key.value) === defaultName) ?? environments.items[0];
    if (!pair || !isMap(pair.value)) return [];
    const starts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    const lineOf = (offset: number) => {
      let line = 0;
      while (line + 1 < starts.length && starts[line + 1] <= offset) line++;
      return { line, column: offset - starts[line] };
    };
    const out: EnvironmentVariable[] = [];
    for (const item of pair.value.items) {
      if (!isScalar(item.key) || !item.key.range) continue;
      const value = isScalar(item.value) ? item.value.value : undefined;
      const at = lineOf(item.key.range[0]);
      out.push({
        name: String(item.key.value),
        value: value === null || value === undefined ? '' : String(value),
        file,
        line: at.line,
        column: at.column,
        source: '.testmesh.yaml',
      });
    }
    return out;
  } catch {
    return [];
  }
}
