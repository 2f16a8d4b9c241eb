/**
 * Shares the values of short scalars that repeat in a text (keys like `action`, values like
 * `http_request`): a generated 10,000-step flow repeats the same few dozen words a hundred
 * thousand times, and a string (plus its resolved value) per occurrence made the syntax tree a
 * third larger and the garbage collector copy it all. A lookup hashes the characters in place,
 * so a repeat allocates nothing.
 *
 * Bounded on hostile input: a fixed table, at most MAX_PROBES slots looked at per lookup, only
 * texts up to MAX_LENGTH characters; a text that does not fit is simply not shared.
 */

const TABLE_SIZE = 4096;
const MASK = TABLE_SIZE - 1;
/** Entries kept at most: half the table, so probe runs stay short. */
const MAX_ENTRIES = TABLE_SIZE / 2;
const MAX_PROBES = 8;
const MAX_LENGTH = 64;
/** Slots of the recent-texts cache (see `recent`). */
const RECENT_SIZE = 256;

export class ScalarInterner {
  private readonly texts: (string | undefined)[] = new Array(TABLE_SIZE).fill(undefined);
  private readonly values: unknown[] = new Array(TABLE_SIZE).fill(undefined);
  /**
   * The hash of each kept text: once the table is full, most lookups are of texts not kept (ids
   * like `get_1234` that never repeat), and comparing hashes first spares comparing them
   * character by character with kept texts of the same length.
   */
  private readonly hashes = new Int32Array(TABLE_SIZE);
  private entries = 0;
  /**
   * The texts looked up last, by length, first and last character, each with its value: a long
   * flow repeats the same keys and words in the same order, and a text found here is not hashed
   * (hashing runs in the interpreter for the first thousands of scalars of a fresh process).
   */
  private readonly recentTexts: (string | undefined)[] = new Array(RECENT_SIZE).fill(undefined);
  private readonly recentValues: unknown[] = new Array(RECENT_SIZE).fill(undefined);
  private lastText = '';

  /**
   * @param resolve turns a scalar's text into its value (the core schema for plain scalars, the
   * text itself for quoted ones); called once per distinct text.
   */
  constructor(private readonly resolve: (text: string) => unknown) {}

  /** The value of `source[from, to)`: shared with earlier equal texts when possible. */
  value(source: string, from: number, to: number): unknown {
    const length = to - from;
    if (length > MAX_LENGTH) return this.resolve(source.slice(from, to));
    const recent =
      length === 0 ? 0 : (length * 31 + source.charCodeAt(from) * 7 + source.charCodeAt(to - 1)) & (RECENT_SIZE - 1);
    const seen = this.recentTexts[recent];
    if (seen !== undefined && seen.length === length && source.startsWith(seen, from)) return this.recentValues[recent];
    const value = this.shared(source, from, to);
    this.recentTexts[recent] = this.lastText;
    this.recentValues[recent] = value;
    return value;
  }

  /** The value from the table (or resolved anew); leaves the text's string in `lastText`. */
  private shared(source: string, from: number, to: number): unknown {
    const length = to - from;
    let hash = length;
    for (let i = from; i < to; i++) hash = Math.imul(hash ^ source.charCodeAt(i), 0x01000193);
    let slot = (hash ^ (hash >>> 15)) & MASK;
    for (let probe = 0; probe < MAX_PROBES; probe++, slot = (slot + 1) & MASK) {
      const known = this.texts[slot];
      if (known === undefined) {
        const text = source.slice(from, to);
        const value = this.resolve(text);
        if (this.entries < MAX_ENTRIES) {
          this.texts[slot] = text;
          this.values[slot] = value;
          this.hashes[slot] = hash;
          this.entries++;
        }
        this.lastText = text;
        return value;
      }
      // startsWith compares in native code, also before this function is optimised.
      if (this.hashes[slot] === hash && known.length === length && source.startsWith(known, from)) {
        this.lastText = known;
        return this.values[slot];
      }
    }
    const text = source.slice(from, to);
    this.lastText = text;
    return this.resolve(text);
  }
}
