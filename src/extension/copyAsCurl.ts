/**
 * *Copy as curl* for an `http_request` step, from the Test Explorer's context menu, a CodeLens
 * above the step, the palette (the step at the cursor) and the execution panel's step detail.
 *
 * Where the values come from is chosen per copy (the message after a copy offers the others):
 * - `lastExecution`: the request as the last execution (or the panel's execution) sent it,
 *   placeholders filled; the default when there is one;
 * - `placeholders`: the step as written, `${BASE_URL}` / `{{login.token}}` kept as `$BASE_URL` /
 *   `$login_token`; the default otherwise;
 * - `secrets`: the step filled with the last execution's values and the selected environment,
 *   credentials in clear (the only mode that shows them).
 * Masking is core/export/curl.ts's policy, the same as `testmesh export --to curl`.
 */
import { errorMessage } from '../core/errors';
import type { ExecutionManager } from '../core/executions';
import { recordedRequestToCurl, stepToCurl } from '../core/export/curl';
import { lookupIn } from '../core/export/placeholders';
import { allSteps, type StepDef } from '../core/flow/types';
import type { HttpRequestDetail } from '../core/engine/types';
import { secretValues } from '../core/secrets';
import { flowIdFor } from '../core/workspaceFlows';
import type { FlowFile, FlowIndex } from './discovery';
import type { Log } from './log';
import { readSettings } from './settings';
import type { RunInputs } from './runs';
import type { StepRunPlanner } from './runStep';
import type { TestTree } from './testing';
import type { VSCode, vscode } from './vscodeTypes';

export const COMMAND_COPY_AS_CURL = 'testmesh.copyStepAsCurl';

export type CurlMode = 'lastExecution' | 'placeholders' | 'secrets';
const MODES: readonly CurlMode[] = ['lastExecution', 'placeholders', 'secrets'];

/** How many recent executions of a flow are searched for one that sent the step's request. */
const EXECUTIONS_SEARCHED = 20;

const MODE_BUTTONS: Record<CurlMode, string> = {
  lastExecution: 'As Last Sent',
  placeholders: 'With Placeholders',
  secrets: 'Show Secrets',
};

export interface CopyAsCurlDependencies {
  vscode: VSCode;
  log: Log;
  index: FlowIndex;
  tree: TestTree;
  manager: () => Promise<ExecutionManager>;
  planner: StepRunPlanner;
  inputs: () => Promise<RunInputs>;
}

/** What a copy produced: the command and which values it holds. */
export interface CopiedCurl {
  text: string;
  mode: CurlMode;
  /** The execution whose request was copied (`lastExecution`). */
  executionId?: string;
  stepId: string;
}

interface StepTarget {
  file?: FlowFile;
  stepId: string;
  step?: StepDef;
  /** The execution to take the request from (the panel's), instead of the flow's latest. */
  executionId?: string;
  /** The attempt of that execution whose request to take (the one the panel shows); else the last. */
  attempt?: number;
}

export class CopyAsCurl {
  constructor(private readonly deps: CopyAsCurlDependencies) {}

  /**
   * The command: `(uri, stepId, mode?)` from a CodeLens, `(testItem)` from the Test Explorer,
   * nothing from the palette (the step at the cursor). Copies and returns what it copied.
   */
  async command(target?: unknown, stepId?: unknown, mode?: unknown): Promise<CopiedCurl | undefined> {
    const found = await this.targetOf(target, typeof stepId === 'string' ? stepId : undefined);
    if (!found) return undefined;
    return this.copy(found, MODES.includes(mode as CurlMode) ? (mode as CurlMode) : undefined);
  }

  /** From the panel's step detail: the request of that execution. */
  async fromExecution(executionId: string, stepId: string, attempt?: number): Promise<CopiedCurl | undefined> {
    const manager = await this.deps.manager();
    const execution = manager.get(executionId);
    const file = execution?.flow_id
      ? this.deps.index.all().find((f) => f.flow && flowIdFor(manager.workspace, f.uri.fsPath) === execution.flow_id)
      : undefined;
    return this.copy({ file, stepId, step: file?.flow && findStep(file, stepId), executionId, attempt });
  }

  /** The curl text for a step in one mode, or why there is none. */
  async curlOf(target: StepTarget, wanted?: CurlMode): Promise<CopiedCurl | { problem: string }> {
    const { step, stepId } = target;
    if (step && step.action !== 'http_request')
      return { problem: `'${step.name}' is a ${step.action} step; only http_request steps have a curl form` };
    const inputs = await this.deps.inputs().catch((err) => {
      this.deps.log.warn(`copy as curl: the environment cannot be read (${errorMessage(err)}); using none`);
      return { environment: {}, variables: {}, secrets: [] } as RunInputs;
    });
    const secrets = secretValues({
      environment: inputs.environment,
      variables: inputs.variables,
      secrets: inputs.secrets,
    });
    if (wanted === undefined || wanted === 'lastExecution') {
      const sent = await this.sentRequest(target);
      if (sent)
        return {
          text: recordedRequestToCurl(sent.request, { secrets, timeout: step?.config.timeout }),
          mode: 'lastExecution',
          executionId: sent.executionId,
          stepId,
        };
      if (!step) return { problem: `execution ${target.executionId ?? ''} sent no HTTP request for step '${stepId}'` };
    }
    if (!step) return { problem: `no step '${stepId}' in a flow of the workspace` };
    if (wanted === 'secrets') {
      const values = await this.valuesFor(target.file!, step, inputs);
      return { text: stepToCurl(step, { lookup: lookupIn(values, true), showSecrets: true }), mode: 'secrets', stepId };
    }
    return { text: stepToCurl(step, { secrets }), mode: 'placeholders', stepId };
  }

  private async copy(target: StepTarget, wanted?: CurlMode): Promise<CopiedCurl | undefined> {
    const { vscode } = this.deps;
    let copied: CopiedCurl | { problem: string };
    try {
      copied = await this.curlOf(target, wanted);
    } catch (err) {
      copied = { problem: errorMessage(err) };
    }
    if ('problem' in copied) {
      void vscode.window.showWarningMessage(`TestMesh: cannot copy as curl: ${copied.problem}.`);
      return undefined;
    }
    await vscode.env.clipboard.writeText(`${copied.text}\n`);
    const fellBack = wanted === 'lastExecution' && copied.mode !== 'lastExecution';
    const others = MODES.filter((m) => m !== copied.mode && (m !== 'lastExecution' || !fellBack));
    const name = target.step?.name ?? target.stepId;
    const text = `TestMesh: copied '${name}' as curl ${describe(copied)}.${fellBack ? ' (No execution has sent this request yet.)' : ''}`;
    void vscode.window.showInformationMessage(text, ...others.map((m) => MODE_BUTTONS[m])).then((answer) => {
      const mode = others.find((m) => MODE_BUTTONS[m] === answer);
      if (mode) void this.copy(target, mode);
    });
    return copied;
  }

  /** The step's request in the given execution, or in the most recent one of its flow that sent it. */
  private async sentRequest(
    target: StepTarget,
  ): Promise<{ request: HttpRequestDetail; executionId: string } | undefined> {
    const manager = await this.deps.manager();
    const candidates = target.executionId
      ? [target.executionId]
      : target.file
        ? manager
            .list({ flow_id: flowIdFor(manager.workspace, target.file.uri.fsPath), limit: EXECUTIONS_SEARCHED })
            .executions.map((e) => e.id)
        : [];
    for (const id of candidates) {
      const attempts = await manager.stepDetail(id, target.stepId);
      const request = attempts
        ?.slice()
        .reverse()
        .find((a) => a.request && (target.attempt === undefined || a.attempt === target.attempt))?.request;
      if (request) return { request, executionId: id };
    }
    return undefined;
  }

  /** Values for `secrets` mode: the flow's env, the environment, the secrets, then what the last execution had captured. */
  private async valuesFor(file: FlowFile, step: StepDef, inputs: RunInputs): Promise<Record<string, unknown>> {
    const values: Record<string, unknown> = { ...(file.flow?.env ?? {}), ...inputs.environment, ...inputs.variables };
    if (file.flow) {
      const plan = await this.deps.planner.plan(file.flow, step.id).catch(() => undefined);
      if (plan?.mode === 'alone') Object.assign(values, plan.variables);
    }
    return values;
  }

  /** The step a command names: a TestItem, a file and a step id, or the step at the active editor's cursor. */
  private async targetOf(target: unknown, stepId: string | undefined): Promise<StepTarget | undefined> {
    const { vscode, index, tree } = this.deps;
    await index.whenIdle();
    let file: FlowFile | undefined;
    let id = stepId;
    if (typeof target === 'string') file = index.get(target) ?? index.get(vscode.Uri.file(target));
    else if (target instanceof vscode.Uri) file = index.get(target);
    else if (target && typeof target === 'object' && typeof (target as vscode.TestItem).id === 'string') {
      const data = tree.dataOf(target as vscode.TestItem);
      file = data ? index.get(data.key) : undefined;
      id ??= data?.stepId;
    } else {
      const editor = vscode.window.activeTextEditor;
      file = editor ? index.get(editor.document.uri) : undefined;
      if (file?.flow && editor && id === undefined) {
        const line = editor.selection.active.line + 1;
        id = allSteps(file.flow)
          .filter((s) => s.range.start.line <= line && line <= s.range.end.line)
          .pop()?.id;
      }
    }
    if (!file?.flow) {
      void vscode.window.showWarningMessage('TestMesh: copy as curl works on a step of a discovered flow.');
      return undefined;
    }
    const step = id === undefined ? undefined : findStep(file, id);
    if (!step) {
      void vscode.window.showWarningMessage(
        `TestMesh: no step ${id === undefined ? 'at the cursor' : `'${id}'`} in ${file.relativePath}.`,
      );
      return undefined;
    }
    return { file, stepId: step.id, step };
  }
}

function findStep(file: FlowFile, stepId: string): StepDef | undefined {
  return file.flow ? allSteps(file.flow).find((s) => s.id === stepId) : undefined;
}

function describe(copied: CopiedCurl): string {
  switch (copied.mode) {
    case 'lastExecution':
      return `as execution ${copied.executionId?.slice(0, 8)} sent it (secrets masked)`;
    case 'placeholders':
      return 'with its placeholders as shell variables (secrets masked)';
    case 'secrets':
      return 'with the values of the last execution and the environment, secrets in clear';
  }
}

/** "Copy as curl" above every http_request step (with the step CodeLens setting). */
export class CurlCodeLens implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;
  private readonly emitter: vscode.EventEmitter<void>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly vscode: VSCode,
    private readonly index: FlowIndex,
  ) {
    this.emitter = new vscode.EventEmitter<void>();
    this.onDidChangeCodeLenses = this.emitter.event;
    this.disposables.push(
      index.onDidChange(() => this.emitter.fire()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('testmesh.codeLens')) this.emitter.fire();
      }),
    );
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const flow = this.index.get(document.uri)?.flow;
    if (!flow || !readSettings(this.vscode).codeLensStep) return [];
    const uri = document.uri.toString();
    return allSteps(flow)
      .filter((step) => step.action === 'http_request')
      .map((step) => {
        const line = Math.max(0, step.range.start.line - 1);
        return new this.vscode.CodeLens(new this.vscode.Range(line, 0, line, 0), {
          title: 'Copy as curl',
          command: COMMAND_COPY_AS_CURL,
          arguments: [uri, step.id],
          tooltip: 'Copy this request as a curl command (the last execution’s values when it ran; secrets masked)',
        });
      });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.emitter.dispose();
  }
}
