/**
 * Readable names for generated things: step ids a person would type (`create_user`), file stems
 * (`user-management`) and variable names (`BASE_URL`). Every name is ASCII, bounded in length and
 * unique where it has to be.
 */
import { MAX_NAME_LENGTH } from './limits';

/** Lower-case words of a text joined by `sep`; `fallback` when nothing is left. */
export function slug(text: string, sep: '_' | '-', fallback: string): string {
  const plain = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  // An identifier in camelCase splits into words (getUserById -> get user by id); a title with
  // spaces keeps its words whole (TestMesh demo API -> testmesh demo api).
  const words = (/\s/.test(plain.trim()) ? plain : plain.replace(/([a-z0-9])([A-Z])/g, '$1 $2'))
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  let out = '';
  for (const word of words) {
    const next = out ? `${out}${sep}${word}` : word;
    if (next.length > MAX_NAME_LENGTH) break;
    out = next;
  }
  return out || fallback;
}

/** A step id: snake_case, starting with a letter. */
export function stepIdFrom(text: string): string {
  const id = slug(text, '_', 'step');
  return /^[a-z]/.test(id) ? id : `step_${id}`;
}

/** A file stem: kebab-case, never a dot name or a reserved Windows device name. */
export function fileStemFrom(text: string): string {
  const stem = slug(text, '-', 'imported');
  return /^(con|prn|aux|nul|com\d|lpt\d)$/.test(stem) ? `${stem}-flow` : stem;
}

/** A variable name for the environment: UPPER_SNAKE. */
export function variableNameFrom(text: string): string {
  const name = slug(text, '_', 'value').toUpperCase();
  return /^[A-Z_]/.test(name) ? name : `V_${name}`;
}

/** Whether a name can be used as is in `{{name}}` and expressions. */
export function isPlainName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && name.length <= 128;
}

/** Hands out unique names: the second `get_user` becomes `get_user_2`. */
export class UniqueNames {
  private readonly used = new Set<string>();

  constructor(reserved: Iterable<string> = []) {
    for (const name of reserved) this.used.add(name);
  }

  take(wanted: string): string {
    return this.takeNumbered(wanted, '_');
  }

  /** Like take, with `-2` instead of `_2` (file stems). */
  takeStem(wanted: string): string {
    return this.takeNumbered(wanted, '-');
  }

  private takeNumbered(wanted: string, separator: string): string {
    let name = wanted;
    for (let n = 2; this.used.has(name); n++) name = `${wanted}${separator}${n}`;
    this.used.add(name);
    return name;
  }
}
