/**
 * The reporters that produce a document at the end of a run (everything but `pretty`), and where
 * each document goes: the i-th `--output` file for the i-th such reporter, else stdout. The
 * `github` reporter's workflow commands always go to stdout, where the Actions runner reads them.
 * `run`, `merge-reports` and `report` all render through here.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { RunReport } from '../../core/report';
import type { Io } from '../run';
import { GithubReporter } from './github';
import { HtmlReporter } from './html';
import { JsonReporter } from './json';
import { JunitReporter } from './junit';
import { MarkdownReporter } from './markdown';
import { PrettyReporter, shouldColor } from './pretty';
import type { Reporter } from './types';

export const DOCUMENT_REPORTERS = ['json', 'junit', 'html', 'github', 'markdown'] as const;
export type DocumentReporterName = (typeof DOCUMENT_REPORTERS)[number];

export interface DocumentReporter {
  name: DocumentReporterName;
  reporter: Reporter;
  /** Absolute path of its `--output` file; undefined: stdout. */
  output?: string;
}

/** Whether the reporter's document needs the runs' events and step details collected. */
/**
 * Whether the run keeps every event and step detail: the HTML report is drawn from them, and a
 * shard's JSON report carries them so that `merge-reports` can draw the merged one. An unsharded
 * JSON report leaves them out: holding all of them costs a 10,000-step run tens of megabytes.
 */
export function needsEvents(names: readonly string[], sharded: boolean): boolean {
  return names.includes('html') || (sharded && names.includes('json'));
}

export function documentReporters(
  names: readonly string[],
  outputs: readonly string[],
  cwd: string,
): DocumentReporter[] {
  let nextOutput = 0;
  return names
    .filter((name): name is DocumentReporterName => (DOCUMENT_REPORTERS as readonly string[]).includes(name))
    .map((name) => {
      const reporter =
        name === 'json'
          ? new JsonReporter()
          : name === 'junit'
            ? new JunitReporter()
            : name === 'html'
              ? new HtmlReporter()
              : name === 'markdown'
                ? new MarkdownReporter()
                : new GithubReporter(cwd);
      const file = name === 'github' ? undefined : outputs[nextOutput++];
      return { name, reporter, output: file === undefined ? undefined : resolve(cwd, file) };
    });
}

/** Whether some document goes to stdout (then the live pretty output moves to stderr). */
export function documentsUseStdout(documents: readonly DocumentReporter[]): boolean {
  return documents.some((d) => d.name !== 'github' && d.output === undefined);
}

export async function writeDocuments(report: RunReport, documents: readonly DocumentReporter[], io: Io): Promise<void> {
  for (const d of documents) {
    const text = d.reporter.finished(report);
    if (text === undefined) continue;
    if (d.output === undefined) {
      io.stdout.write(text);
      continue;
    }
    await mkdir(dirname(d.output), { recursive: true });
    await writeFile(d.output, text);
  }
}

/**
 * Renders a report that already exists (merged shards, past executions) with the chosen
 * reporters: `pretty` prints each flow's verdict and the summary, the others write documents.
 */
export async function renderReport(
  report: RunReport,
  names: readonly string[],
  outputs: readonly string[],
  color: boolean | undefined,
  io: Io,
): Promise<void> {
  const documents = documentReporters(names, outputs, io.cwd);
  if (names.includes('pretty')) {
    const stream = documentsUseStdout(documents) ? io.stderr : io.stdout;
    const pretty = new PrettyReporter((t) => stream.write(t), shouldColor(stream, color));
    for (const flow of report.flows) pretty.flowFinished(flow);
    pretty.finished(report);
  }
  await writeDocuments(report, documents, io);
}
