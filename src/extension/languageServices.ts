/**
 * What every editing provider (completion, hover, definition, ...) shares: the parse of a flow
 * document (one per version, from core/language/parsedFlows), the last run of each flow from
 * history, the variables of the selected environment, the flow's env_file and `.testmesh.yaml`,
 * and the masker for values shown. Providers stay thin and synchronous where they can.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { errorMessage } from '../core/errors';
import type { ExecutionManager } from '../core/executions';
import { looksLikeFlowFile } from '../core/flow/load';
import { createMasker, type ValueMasker } from '../core/language/display';
import { dotenvVariables, testmeshYamlVariables, type EnvironmentVariable } from '../core/language/environmentFiles';
import { loadLastRun, type LastRun } from '../core/language/lastRun';
import type { Span } from '../core/language/model';
import { secretValues } from '../core/secrets';
import { carriedOver, parsedFlows, type LineIndex, type ParsedFlow } from '../core/language/parsedFlows';
import type { Log } from './log';
import type { VSCode, vscode } from './vscodeTypes';

export interface LanguageServicesOptions {
  vscode: VSCode;
  log: Log;
  /** The execution manager once it is running (history of last runs). */
  manager: () => ExecutionManager | undefined;
  /** Absolute path of the selected .env file. */
  selectedEnvironment: () => string | undefined;
  /** Values of stored secrets, to mask wherever they show. */
  secretValues: () => Promise<string[]>;
  /** The workspace's flow files (discovery), for run_flow targets and workspace symbols. */
  flowFiles: () => Array<{ file: string; name?: string }>;
}

/**
 * Texts this long (about 200 steps) take longer to parse than a request may: right after an edit,
 * requests use the previous parse carried over to the new text, until the real one is in.
 */
const CARRY_OVER_CHARS = 64 * 1024;
/** How soon the real parse of a carried-over text is made, if nobody else made it (ms). */
const REPARSE_DELAY_MS = 400;

/** Files re-read at most this often while typing (ms). */
const FILE_TTL_MS = 2000;

export class LanguageServices {
  readonly vscode: VSCode;
  private readonly lastRuns = new Map<string, Promise<LastRun | undefined>>();
  private readonly files = new Map<string, { at: number; text: Promise<string | undefined> }>();
  private secretMasker: { at: number; masker: Promise<ValueMasker> } | undefined;

  constructor(private readonly options: LanguageServicesOptions) {
    this.vscode = options.vscode;
  }

  /**
   * The parse of a YAML document that is a flow; undefined for anything else. A big document
   * that just changed gets the previous parse carried over (see CARRY_OVER_CHARS) unless `exact`.
   */
  parse(document: vscode.TextDocument, exact = false): ParsedFlow | undefined {
    if (document.languageId !== 'yaml' || document.uri.scheme !== 'file') return undefined;
    const text = document.getText();
    if (!looksLikeFlowFile(text)) return undefined;
    const file = document.uri.fsPath;
    const cached = parsedFlows.cached(file, text);
    if (cached) return cached;
    const previous = exact || text.length < CARRY_OVER_CHARS ? undefined : parsedFlows.peek(file);
    if (!previous) return parsedFlows.get(file, text);
    if (this.carried?.text !== text || this.carried.file !== file) {
      this.carried = carriedOver(this.carried?.file === file ? this.carried : previous, text);
      clearTimeout(this.reparse);
      this.reparse = setTimeout(() => {
        if (!document.isClosed) void parsedFlows.getOffThread(file, document.getText());
      }, REPARSE_DELAY_MS);
    }
    return this.carried;
  }

  private carried: ParsedFlow | undefined;
  private reparse: ReturnType<typeof setTimeout> | undefined;

  dispose(): void {
    clearTimeout(this.reparse);
  }

  /** The parse of a flow file that may not be open: its editor's text, else the disk. */
  async parseFile(file: string): Promise<ParsedFlow | undefined> {
    const open = this.vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
    if (open) return this.parse(open);
    const text = await this.readText(file);
    return text !== undefined && looksLikeFlowFile(text) ? parsedFlows.get(file, text) : undefined;
  }

  /** The last finished run of the flow (loaded once, again after each run finishes). */
  lastRun(file: string): Promise<LastRun | undefined> {
    const manager = this.options.manager();
    if (!manager) return Promise.resolve(undefined);
    let known = this.lastRuns.get(file);
    if (!known) {
      known = loadLastRun(manager, file).catch((err) => {
        this.options.log.warn(`cannot read the last run of ${file}: ${errorMessage(err)}`);
        return undefined;
      });
      this.lastRuns.set(file, known);
    }
    return known;
  }

  /** Forgets what is known of last runs (a run finished). */
  runFinished(): void {
    this.lastRuns.clear();
  }

  /**
   * Variables from outside the flow, lowest precedence first: `.testmesh.yaml` (default
   * environment), the selected .env file, then the flow's env_file.
   */
  async environment(file: string, envFile?: string): Promise<EnvironmentVariable[]> {
    const out: EnvironmentVariable[] = [];
    const folder = this.vscode.workspace.getWorkspaceFolder(this.vscode.Uri.file(file));
    if (folder) {
      const config = join(folder.uri.fsPath, '.testmesh.yaml');
      const text = await this.readText(config);
      if (text !== undefined) out.push(...testmeshYamlVariables(text, config));
    }
    const selected = this.options.selectedEnvironment();
    if (selected) {
      const text = await this.readText(selected);
      if (text !== undefined) out.push(...dotenvVariables(text, selected, 'environment'));
    }
    if (envFile) {
      const path = isAbsolute(envFile) ? envFile : resolve(dirname(file), envFile);
      const text = await this.readText(path);
      if (text !== undefined) out.push(...dotenvVariables(text, path, 'env_file'));
    }
    return out;
  }

  /** What hovers and completions show of a flow's values: its last run, the variables it sees, the masker of secrets. */
  async shownValues(
    file: string,
    parsed: ParsedFlow,
  ): Promise<{ lastRun: LastRun | undefined; environment: EnvironmentVariable[]; masker: ValueMasker }> {
    const [lastRun, environment] = await Promise.all([
      this.lastRun(file),
      this.environment(file, parsed.model.envFile?.path),
    ]);
    return { lastRun, environment, masker: await this.masker(environment) };
  }

  /** Masks secrets in shown values: secret-looking names, and the values of secrets and secret-looking variables. */
  async masker(environment: readonly EnvironmentVariable[] = []): Promise<ValueMasker> {
    const now = Date.now();
    if (!this.secretMasker || now - this.secretMasker.at > FILE_TTL_MS) {
      this.secretMasker = {
        at: now,
        masker: this.options
          .secretValues()
          .catch(() => [] as string[])
          .then((values) => createMasker(secretValues({ secrets: values }))),
      };
    }
    const stored = await this.secretMasker.masker;
    // The project's one secret policy decides which environment values are secret.
    const fromEnvironment = secretValues({
      environment: Object.fromEntries(environment.map((v) => [v.name, v.value])),
    });
    if (!fromEnvironment.length) return stored;
    const extra = createMasker(fromEnvironment);
    return { mask: (name, value) => extra.mask(name, stored.mask(name, value)) };
  }

  /** The file a `run_flow` step names: a path relative to the calling flow, else a workspace flow of that name. */
  async runFlowTarget(fromFile: string, target: string): Promise<string | undefined> {
    if (!target) return undefined;
    const path = isAbsolute(target) ? target : resolve(dirname(fromFile), target);
    if ((await this.readText(path)) !== undefined) return path;
    return this.options.flowFiles().find((f) => f.name === target)?.file;
  }

  flowFiles(): Array<{ file: string; name?: string }> {
    return this.options.flowFiles();
  }

  /** The editor range of a span of a parsed document. */
  range(lines: LineIndex, span: Span): vscode.Range {
    const start = lines.position(span.start);
    const end = lines.position(span.end);
    return new this.vscode.Range(start.line, start.character, end.line, end.character);
  }

  offset(lines: LineIndex, position: vscode.Position): number {
    return lines.offset(position.line, position.character);
  }

  private readText(file: string): Promise<string | undefined> {
    const now = Date.now();
    const known = this.files.get(file);
    if (known && now - known.at < FILE_TTL_MS) return known.text;
    const text = readFile(file, 'utf8').catch(() => undefined);
    this.files.set(file, { at: now, text });
    if (this.files.size > 256) this.files.delete(this.files.keys().next().value as string);
    return text;
  }
}
