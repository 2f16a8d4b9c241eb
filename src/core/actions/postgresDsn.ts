/**
 * PostgreSQL connection strings as TestMesh flows write them (its runner uses pgx, which reads
 * libpq's two forms), turned into node-postgres settings, with the password kept out of sight:
 *
 *   postgres://user:password@host:5432/db?sslmode=disable      (URL form, also postgresql://)
 *   host=localhost port=5432 user=app password='s3 cret' dbname=app sslmode=require   (keyword form)
 *
 * `sslmode` follows libpq: disable / allow / prefer connect without TLS (node-postgres cannot fall
 * back from TLS to plain), require encrypts without checking the certificate, verify-ca and
 * verify-full check it.
 */
import type { PoolConfig } from 'pg';
import { TestMeshError } from '../errors';

export interface ParsedDsn {
  /** Settings for `new Pool(...)` (without pool sizes). */
  config: PoolConfig;
  /** The DSN with its password replaced by `***`: the only form that may appear in messages. */
  redacted: string;
  /** The password as written and as decoded, to register as secrets (empty when none). */
  secrets: string[];
}

const KEYWORDS: Record<string, keyof PoolConfig | 'sslmode' | 'ignore'> = {
  host: 'host',
  hostaddr: 'host',
  port: 'port',
  user: 'user',
  password: 'password',
  dbname: 'database',
  sslmode: 'sslmode',
  application_name: 'application_name',
  options: 'options',
  connect_timeout: 'connectionTimeoutMillis',
  // Accepted by libpq and pgx, without an equivalent here; harmless to leave out.
  client_encoding: 'ignore',
  target_session_attrs: 'ignore',
  sslcompression: 'ignore',
};

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

export function parsePostgresDsn(dsn: string): ParsedDsn {
  const text = dsn.trim();
  if (text === '')
    throw new TestMeshError(
      'config.connection is empty: give a PostgreSQL DSN like postgres://user:password@host:5432/db',
    );
  if (/^postgres(ql)?:\/\//i.test(text)) return parseUrlDsn(text);
  if (/^[A-Za-z_]+\s*=/.test(text)) return parseKeywordDsn(text);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text)?.[1];
  throw new TestMeshError(
    scheme
      ? `config.connection must be a PostgreSQL DSN (postgres:// or postgresql://), got a ${scheme}: URL`
      : 'config.connection is not a PostgreSQL DSN: use postgres://user:password@host:5432/db or host=... user=... dbname=...',
  );
}

function parseUrlDsn(text: string): ParsedDsn {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Never echo the DSN: it may hold a password. Still hide what looks like one.
    const guess = /^[a-z]+:\/\/[^:/@]*:([^@/]*)@/i.exec(text)?.[1];
    throw new DsnError(
      'config.connection is not a valid postgres:// URL (special characters in the user name or password must be percent-encoded)',
      guess ? [guess, safeDecode(guess)] : [],
    );
  }
  const secrets = url.password ? [url.password, safeDecode(url.password)] : [];
  const queryPassword = url.searchParams.get('password');
  if (queryPassword) secrets.push(queryPassword);

  const sslmode = url.searchParams.get('sslmode');
  const config: PoolConfig = {};
  if (sslmode !== null) {
    // Handled here, the libpq way; node-postgres' own reading of sslmode differs (see top).
    url.searchParams.delete('sslmode');
    config.ssl = sslFor(sslmode, secrets);
  }
  config.connectionString = url.toString();

  const shown = new URL(url.toString());
  if (shown.password) shown.password = '***';
  if (queryPassword) shown.searchParams.set('password', '***');
  if (sslmode !== null) shown.searchParams.set('sslmode', sslmode);
  return { config, redacted: shown.toString().replace('%2A%2A%2A', '***'), secrets: unique(secrets) };
}

/** libpq keyword/value form: `key=value` pairs, values optionally in single quotes with `\` escapes. */
function parseKeywordDsn(text: string): ParsedDsn {
  const pairs: Array<[string, string]> = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) break;
    const keyMatch = /^([A-Za-z_]+)\s*=\s*/.exec(text.slice(i));
    if (!keyMatch) throw new DsnError(`config.connection: expected key=value at character ${i + 1}`, secretsIn(pairs));
    const key = keyMatch[1].toLowerCase();
    i += keyMatch[0].length;
    let value = '';
    if (text[i] === "'") {
      i++;
      while (i < text.length && text[i] !== "'") {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i++];
      }
      if (text[i] !== "'")
        throw new DsnError(
          `config.connection: unterminated quoted value of '${key}'`,
          key === 'password' ? [value] : secretsIn(pairs),
        );
      i++;
    } else {
      while (i < text.length && !/\s/.test(text[i])) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i++];
      }
    }
    pairs.push([key, value]);
  }

  const secrets = secretsIn(pairs);
  const config: PoolConfig = {};
  const shown: string[] = [];
  for (const [key, value] of pairs) {
    const target = KEYWORDS[key];
    if (!target)
      throw new DsnError(
        `config.connection: unknown keyword '${key}' (known: ${Object.keys(KEYWORDS).join(', ')})`,
        secrets,
      );
    shown.push(`${key}=${key === 'password' ? '***' : quoteIfNeeded(value)}`);
    if (target === 'ignore') continue;
    if (target === 'sslmode') config.ssl = sslFor(value, secrets);
    else if (target === 'port') {
      const port = Number(value);
      if (!Number.isInteger(port) || port <= 0 || port > 65535)
        throw new DsnError(`config.connection: port must be a TCP port number, got ${JSON.stringify(value)}`, secrets);
      config.port = port;
    } else if (target === 'connectionTimeoutMillis') {
      const seconds = Number(value);
      if (!Number.isFinite(seconds) || seconds < 0)
        throw new DsnError(
          `config.connection: connect_timeout must be a number of seconds, got ${JSON.stringify(value)}`,
          secrets,
        );
      config.connectionTimeoutMillis = seconds * 1000;
    } else (config as Record<string, unknown>)[target] = value;
  }
  return { config, redacted: shown.join(' '), secrets };
}

function sslFor(mode: string, secrets: string[]): PoolConfig['ssl'] {
  switch (mode) {
    case 'disable':
    case 'allow':
    case 'prefer':
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      // The chain is checked; the host name is not (libpq's meaning).
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { rejectUnauthorized: true };
    default:
      throw new DsnError(
        `config.connection: sslmode must be one of ${SSL_MODES.join(', ')}, got ${JSON.stringify(mode)}`,
        secrets,
      );
  }
}

/** A DSN problem; carries the password(s) so the caller can register them before reporting. */
export class DsnError extends TestMeshError {
  constructor(
    message: string,
    readonly secrets: string[],
  ) {
    super(message);
    this.name = 'DsnError';
  }
}

/**
 * Passwords written into a connection string anywhere in a text: the `user:password@` part of
 * any URL (postgres://, mysql://, amqp://, https://...) and `password=` of a libpq keyword DSN,
 * as written and percent-decoded. Lets the executor treat them as secrets before any step runs,
 * whatever the variable holding them is called.
 */
export function credentialSecrets(text: string): string[] {
  if (!text.includes('@') && !/password\s*=/i.test(text)) return [];
  const found: string[] = [];
  for (const m of text.matchAll(/[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/@]*:([^\s@/]+)@/g))
    found.push(m[1], safeDecode(m[1]));
  if (/^\s*[A-Za-z_]+\s*=/.test(text)) {
    try {
      found.push(...parseKeywordDsn(text).secrets);
    } catch (err) {
      if (err instanceof DsnError) found.push(...err.secrets);
    }
  }
  return unique(found);
}

/**
 * Replaces every form of the DSN's secrets (and the raw DSN) in a message from the driver or
 * the server with `***`. Belt and braces: the execution's redactor also knows the secrets.
 */
export function redactMessage(message: string, dsn: string, parsed: Pick<ParsedDsn, 'redacted' | 'secrets'>): string {
  let out = message;
  if (dsn && out.includes(dsn)) out = out.split(dsn).join(parsed.redacted);
  for (const secret of [...parsed.secrets].sort((a, b) => b.length - a.length)) {
    if (secret && out.includes(secret)) out = out.split(secret).join('***');
  }
  return out;
}

function secretsIn(pairs: Array<[string, string]>): string[] {
  return unique(pairs.filter(([k]) => k === 'password').map(([, v]) => v));
}

function quoteIfNeeded(value: string): string {
  return value === '' || /[\s'\\]/.test(value) ? `'${value.replace(/['\\]/g, '\\$&')}'` : value;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values.filter((v) => v !== ''))];
}
