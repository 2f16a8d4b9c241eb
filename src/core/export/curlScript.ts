/** Flows as a shell script of curl commands: one command per `http_request` step, or the one step asked for. */
import { allSteps, type FlowDef } from '../flow/types';
import { stepToCurl, type CurlOptions } from './curl';

export interface CurlExport {
  text: string;
  /** Steps that have no curl form (not http_request), `flow: step (action)`. */
  skipped: string[];
  /** Number of commands written. */
  commands: number;
}

/** One line of comment text. */
const comment = (text: string) => `# ${text.replace(/[\r\n]+/g, ' ')}`;

export function flowsToCurl(flows: readonly FlowDef[], options: CurlOptions & { stepId?: string } = {}): CurlExport {
  const parts: string[] = [];
  const skipped: string[] = [];
  let commands = 0;
  for (const flow of flows) {
    const steps = allSteps(flow).filter((s) => options.stepId === undefined || s.id === options.stepId);
    if (!steps.length) continue;
    const block: string[] = [];
    for (const step of steps) {
      if (step.action !== 'http_request') {
        skipped.push(`${flow.name}: ${step.id} (${step.action})`);
        continue;
      }
      block.push(`${comment(`${step.id}: ${step.name}`)}\n${stepToCurl(step, options)}`);
      commands++;
    }
    if (block.length)
      parts.push(
        options.stepId === undefined ? `${comment(`Flow: ${flow.name}`)}\n\n${block.join('\n\n')}` : block.join('\n\n'),
      );
  }
  return { text: parts.length ? `${parts.join('\n\n')}\n` : '', skipped, commands };
}
