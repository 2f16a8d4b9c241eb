/**
 * The one secret policy: which values are secret. The CLI (`run`, `serve`), the local server,
 * the execution manager, the executor and the extension all ask this module, so one input is
 * redacted the same way on every path. How a secret is hidden (every encoding) is redact.ts's job.
 *
 * A value is secret when it is
 * - given explicitly (`--secret K=V`, the extension's SecretStorage, a start request's `secrets`);
 * - the value of an environment entry or run variable whose name looks secret (`*TOKEN*`,
 *   `*PASSWORD*`, `*SECRET*`, `*API_KEY*`, ...);
 * - the password inside a connection string (`postgres://user:pw@host`, `password=pw`), whatever
 *   the variable is called;
 * - captured by a step's `output` under a secret-looking name (still usable by later steps).
 */
import { credentialSecrets } from './actions/postgresDsn';
import { createRedactor, type Redactor } from './redact';

/** What a redacted value shows instead. */
export const SECRET_MASK = '***';

/** Names whose values are treated as secrets and redacted from events, history and reports. */
const SECRET_NAME = /(SECRET|TOKEN|PASSWORD|PASSWD|PASS|PWD|API_?KEY|PRIVATE|CREDENTIAL|AUTH|COOKIE|SESSION|DSN)/i;

export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}

export interface SecretSources {
  /** Values declared secret explicitly. */
  secrets?: Iterable<string>;
  /** The selected environment (`.env` values). */
  environment?: Record<string, unknown>;
  /** Run variables (`--var`, REST `variables`, SecretStorage values). */
  variables?: Record<string, unknown>;
}

/** Text of a scalar that can be a secret; undefined for anything else. */
function scalarText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** Every secret value of a run's inputs, by the rules above. */
export function secretValues(sources: SecretSources): string[] {
  const out = new Set<string>();
  for (const value of sources.secrets ?? []) if (typeof value === 'string' && value !== '') out.add(value);
  for (const values of [sources.environment, sources.variables]) {
    if (!values) continue;
    for (const [name, value] of Object.entries(values)) {
      const text = scalarText(value);
      if (text === undefined) continue;
      if (looksSecret(name) && text !== '') out.add(text);
      for (const password of credentialSecrets(text)) out.add(password);
    }
  }
  return [...out];
}

/** Secrets a single variable brings (a `.env` line, a flow `env` entry, a sub-flow input). */
export function secretsOfVariable(name: string, value: unknown): string[] {
  return secretValues({ variables: { [name]: value } });
}

/** The value a step captured as output `name`, when its name makes it a secret. */
export function secretOutput(name: string, value: unknown): string | undefined {
  const text = scalarText(value);
  return text !== undefined && text !== '' && looksSecret(name) ? text : undefined;
}

/** The redactor of a run's inputs. */
export function redactorFor(sources: SecretSources): Redactor {
  return createRedactor(secretValues(sources));
}

/** Run variables as shown in history and lists: secret-looking names masked, secret values redacted. */
export function maskVariables(variables: Record<string, unknown>, redact: Redactor): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(variables)) out[name] = looksSecret(name) ? SECRET_MASK : redact(value);
  return out;
}
