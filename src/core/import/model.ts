/**
 * What every importer produces: flows of HTTP steps, the variables they need and what could not
 * be translated. flowWriter.ts turns this into YAML; nothing here knows a source format.
 */

export type ImportFormat = 'curl' | 'postman' | 'openapi' | 'har';
export const IMPORT_FORMATS: readonly ImportFormat[] = ['curl', 'postman', 'openapi', 'har'];

/** One `http_request` config, in the order a person reads it. */
export interface ImportedRequest {
  method: string;
  url: string;
  /** Header name -> value, in source order. */
  headers: Record<string, string>;
  query?: Record<string, string>;
  /** An object or list is sent as JSON, a string as is. */
  body?: unknown;
  /** Duration text (`10s`). */
  timeout?: string;
}

export interface ImportedStep {
  /** Unique in its flow (given out by an IdAllocator). */
  id: string;
  name: string;
  request: ImportedRequest;
  assert: string[];
  /** Output name -> path (`$.body.token`). */
  output: Record<string, string>;
  /** What was not translated at this step; written as comments above it. */
  notes: string[];
}

export interface ImportedFlow {
  name: string;
  description?: string;
  suite?: string;
  tags: string[];
  /** The flow's `env:` (values that belong to the flow, never secrets). */
  env: Record<string, string>;
  steps: ImportedStep[];
  /** Readable file name stem (without `.flow.yaml`). */
  fileStem: string;
  /** Sub-folder under the output folder (nested Postman folders), `/`-separated. */
  folder?: string;
}

/** A variable for the environment (`.env`) file written next to the flows. */
export interface ImportedVariable {
  name: string;
  /** Left empty in the file when `secret`. */
  value: string;
  secret: boolean;
  /** Why it is there / what to put in it. */
  comment?: string;
}

export interface ImportResult {
  format: ImportFormat;
  /** Title of the source (collection name, API title); names the `.env` file. */
  title: string;
  flows: ImportedFlow[];
  variables: ImportedVariable[];
  /** What was not translated, one line each, for the summary. */
  notTranslated: string[];
}

export interface ImportOptions {
  /** Postman environment file text (`--environment`). */
  environmentText?: string;
  /** HAR: keep static assets and analytics requests. */
  keepNoise?: boolean;
  /** OpenAPI: add assertions for required response properties (default true). */
  schemaChecks?: boolean;
}

/** Bad input for an importer: the message names what and where. */
export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

/** The result of an importer that makes one flow of all it read (curl commands, a HAR recording). */
export function singleFlowResult(
  format: ImportFormat,
  title: string,
  steps: ImportedStep[],
  variables: ImportedVariable[],
  notTranslated: string[],
): ImportResult {
  return {
    format,
    title,
    flows: [{ name: title, tags: ['imported', format], env: {}, steps, fileStem: title }],
    variables,
    notTranslated,
  };
}
