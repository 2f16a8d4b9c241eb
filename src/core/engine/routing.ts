/**
 * TestMesh's environment routing: run variables named `__rtov__<action>__<field>` give every step
 * of that action a default for `config.<field>` (`__rtov__database_query__connection` is the default
 * database), and `__rthr__<Header>` adds a header to every `http_request`. The step's own config
 * wins. A `database_query` with no connection and no such default uses `DATABASE_URL`.
 */
const OVERRIDE_PREFIX = '__rtov__';
const HEADER_PREFIX = '__rthr__';

/** The variable naming the default connection of `database_query` steps, as TestMesh spells it. */
export const DEFAULT_CONNECTION_VARIABLE = `${OVERRIDE_PREFIX}database_query__connection`;
/** Used when no routing default is set. */
export const FALLBACK_CONNECTION_VARIABLE = 'DATABASE_URL';

export interface Routing {
  /** action -> field -> default value */
  readonly defaults: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  readonly headers: Readonly<Record<string, unknown>>;
}

/** The routing settings among run variables, or undefined when there are none (the usual case). */
export function routingFrom(variables: Iterable<[string, unknown]>): Routing | undefined {
  let defaults: Map<string, Record<string, unknown>> | undefined;
  let headers: Record<string, unknown> | undefined;
  for (const [name, value] of variables) {
    if (name.startsWith(HEADER_PREFIX) && name.length > HEADER_PREFIX.length) {
      (headers ??= {})[name.slice(HEADER_PREFIX.length)] = value;
    } else if (name.startsWith(OVERRIDE_PREFIX)) {
      const rest = name.slice(OVERRIDE_PREFIX.length);
      const split = rest.indexOf('__');
      if (split <= 0 || split + 2 >= rest.length) continue;
      defaults ??= new Map();
      const action = rest.slice(0, split);
      const fields = defaults.get(action) ?? {};
      fields[rest.slice(split + 2)] = value;
      defaults.set(action, fields);
    }
  }
  if (!defaults && !headers) return undefined;
  return { defaults: defaults ?? new Map(), headers: headers ?? {} };
}

/**
 * A step's config with the routing defaults under it. `fallback` reads a variable, for the
 * `DATABASE_URL` default. Returns `config` itself when nothing applies.
 */
export function withRouting(
  action: string,
  config: Record<string, unknown>,
  routing: Routing | undefined,
  variable: (name: string) => unknown,
): Record<string, unknown> {
  let out = config;
  const defaults = routing?.defaults.get(action);
  if (defaults) {
    for (const field of Object.keys(defaults)) {
      if (out[field] === undefined || out[field] === null) out = { ...out, [field]: defaults[field] };
    }
  }
  if (action === 'http_request' && routing && Object.keys(routing.headers).length) {
    const given =
      out.headers !== null && typeof out.headers === 'object' && !Array.isArray(out.headers)
        ? (out.headers as Record<string, unknown>)
        : {};
    const lowerGiven = new Set(Object.keys(given).map((k) => k.toLowerCase()));
    const added: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(routing.headers))
      if (!lowerGiven.has(name.toLowerCase())) added[name] = value;
    out = { ...out, headers: { ...added, ...given } };
  }
  if (action === 'database_query' && (out.connection === undefined || out.connection === null)) {
    const fallback = variable(FALLBACK_CONNECTION_VARIABLE);
    if (typeof fallback === 'string' && fallback !== '') out = { ...out, connection: fallback };
  }
  return out;
}
