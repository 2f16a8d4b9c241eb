import type { VSCode, vscode } from './vscodeTypes';

/**
 * A token cancelled when either one is. Disposing the source also drops its links, so a long-lived
 * token (a continuous run's) does not collect listeners from every run.
 */
export function eitherToken(
  vscodeApi: VSCode,
  a: vscode.CancellationToken,
  b: vscode.CancellationToken,
): vscode.CancellationTokenSource {
  const source = new vscodeApi.CancellationTokenSource();
  const links = [a.onCancellationRequested(() => source.cancel()), b.onCancellationRequested(() => source.cancel())];
  if (a.isCancellationRequested || b.isCancellationRequested) source.cancel();
  const dispose = source.dispose.bind(source);
  source.dispose = () => {
    for (const link of links) link.dispose();
    dispose();
  };
  return source;
}
