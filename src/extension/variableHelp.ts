/**
 * A run that stops on an unresolved variable says where variables come from and how to choose
 * them: its test message (in Test Results and the failure peek) carries command links to pick an
 * environment or open the environment's file, and a notification (once per variable and
 * environment) says which environment the run used, with the same two actions as buttons.
 */
import type { ExecutionEvent } from '../core/events';
import type { VSCode, vscode } from './vscodeTypes';

export const COMMAND_OPEN_ENVIRONMENT = 'testmesh.openEnvironment';
const COMMAND_SELECT_ENVIRONMENT = 'testmesh.selectEnvironment';

const UNRESOLVED = /unresolved variable '([^']+)'/;

/** The variable an error message says is unresolved, if it says so. */
export function unresolvedVariable(message: string | undefined): string | undefined {
  return message ? UNRESOLVED.exec(message)?.[1] : undefined;
}

/**
 * Where a run's variables come from, in one sentence. `environment`: the selected one's label,
 * undefined for none, null when the caller does not know (the status bar shows it).
 */
function variableSources(environment: string | undefined | null): string {
  const selected =
    environment === null
      ? 'the selected environment (in the status bar)'
      : environment
        ? `the selected environment (${environment})`
        : 'the selected environment (none now)';
  return `Variables come from ${selected}, a .env file or .testmesh.yaml environment you pick, the flow's env:, and outputs of earlier steps.`;
}

/** A test message for an unresolved variable: the error, where variables come from, and command links. */
export function unresolvedVariableMessage(
  vscode: VSCode,
  error: string,
  environment: string | undefined | null,
): vscode.MarkdownString {
  const escape = (text: string) => text.replace(/[\\`*_{}[\]()#+\-.!<>|]/g, '\\$&');
  const markdown = new vscode.MarkdownString(
    `${escape(error)}\n\n${escape(variableSources(environment))}\n\n` +
      `[Pick an environment](command:${COMMAND_SELECT_ENVIRONMENT}) · [Open the environment file](command:${COMMAND_OPEN_ENVIRONMENT})`,
  );
  markdown.isTrusted = { enabledCommands: [COMMAND_SELECT_ENVIRONMENT, COMMAND_OPEN_ENVIRONMENT] };
  return markdown;
}

/** Shows the notification for runs that stop on an unresolved variable. */
export class UnresolvedVariableNotices {
  /** `environment|variable` pairs already said (a re-run with the same setup says nothing new). */
  private readonly shown = new Set<string>();
  private readonly noticedExecutions = new Set<string>();

  constructor(
    private readonly vscode: VSCode,
    private readonly environment: () => string | undefined,
  ) {}

  /** The environment changed: what was said no longer holds. */
  reset(): void {
    this.shown.clear();
  }

  handle(event: ExecutionEvent): void {
    const error =
      event.type === 'step.failed'
        ? event.data.error_message
        : event.type === 'execution.failed'
          ? event.data.error
          : undefined;
    const name = unresolvedVariable(error);
    if (!name || this.noticedExecutions.has(event.execution_id)) return;
    this.noticedExecutions.add(event.execution_id);
    if (this.noticedExecutions.size > 1000) this.noticedExecutions.clear();
    const environment = this.environment();
    const key = `${environment ?? ''}|${name}`;
    if (this.shown.has(key)) return;
    this.shown.add(key);
    void this.show(name, environment);
  }

  private async show(name: string, environment: string | undefined): Promise<void> {
    const pick = 'Pick Environment';
    const open = environment ? `Open ${environment}` : undefined;
    const choice = await this.vscode.window.showWarningMessage(
      `TestMesh: nothing sets the variable '${name}'. ${variableSources(environment)}`,
      ...(open ? [pick, open] : [pick]),
    );
    if (choice === pick) await this.vscode.commands.executeCommand(COMMAND_SELECT_ENVIRONMENT);
    else if (choice !== undefined && choice === open)
      await this.vscode.commands.executeCommand(COMMAND_OPEN_ENVIRONMENT);
  }
}
