/**
 * Hover text (Markdown) at a place of a flow: a placeholder or expression name shows where it
 * comes from and its last value; a step's id or name its last result; an action or config key
 * its documentation. Values are masked by the caller's masker.
 */
import { ACTION_SPECS, STEP_KEYS } from '../flow/actionSpecs';
import { formatDuration } from '../format';
import { blockValue, type ValueMasker } from './display';
import type { EnvironmentVariable } from './environmentFiles';
import { stepValue, valueAtPath, type LastRun, type LastStepRun } from './lastRun';
import { contains, referenceAt, type FlowModel, type NameReference, type Span, type StepInfo } from './model';
import type { LineIndex } from './parsedFlows';
import { scopeOf } from './resolve';
import { stepLabel } from './symbols';

export interface HoverInputs {
  lastRun?: LastRun;
  environment: readonly EnvironmentVariable[];
  masker: ValueMasker;
}

export interface HoverInfo {
  span: Span;
  markdown: string;
}

export function hoverAt(
  model: FlowModel,
  lines: LineIndex,
  offset: number,
  inputs: HoverInputs,
): HoverInfo | undefined {
  const ref = referenceAt(model, offset);
  if (ref) return referenceHover(model, lines, ref, inputs);
  for (const step of model.steps) {
    if (step.span.start > offset) break;
    if (contains(step.idSpan, offset)) return { span: step.idSpan!, markdown: stepHover(step, inputs) };
    if (contains(step.nameSpan, offset)) return { span: step.nameSpan!, markdown: stepHover(step, inputs) };
    if (contains(step.actionSpan, offset) && Object.prototype.hasOwnProperty.call(ACTION_SPECS, step.action)) {
      return { span: step.actionSpan!, markdown: `**${step.action}**\n\n${ACTION_SPECS[step.action].description}` };
    }
    for (const key of step.configKeys) {
      if (!contains(key.span, offset)) continue;
      const spec = Object.prototype.hasOwnProperty.call(ACTION_SPECS, step.action)
        ? ACTION_SPECS[step.action].config
        : undefined;
      const keySpec = spec && Object.prototype.hasOwnProperty.call(spec, key.key) ? spec[key.key] : undefined;
      if (keySpec) {
        const facts = [
          keySpec.type,
          keySpec.required ? 'required' : '',
          keySpec.default !== undefined ? `default ${JSON.stringify(keySpec.default)}` : '',
        ]
          .filter(Boolean)
          .join(', ');
        return { span: key.span, markdown: `**${step.action}** \`${key.key}\` (${facts})\n\n${keySpec.description}` };
      }
    }
    for (const key of step.keys) {
      if (contains(key.span, offset) && Object.prototype.hasOwnProperty.call(STEP_KEYS, key.key)) {
        return {
          span: key.span,
          markdown:
            key.key === 'id' || key.key === 'name'
              ? stepHover(step, inputs)
              : `\`${key.key}\`: ${STEP_KEYS[key.key].description}`,
        };
      }
    }
    for (const output of step.outputs) {
      if (!contains(output.key, offset)) continue;
      const value = inputs.lastRun?.steps.get(step.id)?.outputs[output.name];
      return {
        span: output.key,
        markdown: `output **${output.name}** of step \`${step.id}\` (\`${output.path}\`)${valueBlock(inputs, output.name, value)}`,
      };
    }
  }
  return undefined;
}

function lineOf(lines: LineIndex, span: Span): number {
  return lines.position(span.start).line + 1;
}

function valueBlock(inputs: HoverInputs, name: string, value: unknown, label = 'Last value'): string {
  if (value === undefined) return inputs.lastRun ? '\n\nNo value in the last run.' : '\n\nNo run in history yet.';
  return `\n\n${label}:\n\n\`\`\`json\n${blockValue(inputs.masker.mask(name, value))}\n\`\`\``;
}

function referenceHover(model: FlowModel, lines: LineIndex, ref: NameReference, inputs: HoverInputs): HoverInfo {
  const resolution = scopeOf(model).resolve(ref);
  const dotted = ref.segments.join('.');
  const run = (step: StepInfo): LastStepRun | undefined => inputs.lastRun?.steps.get(step.id);
  let markdown: string;
  switch (resolution.kind) {
    case 'output': {
      const { output } = resolution;
      const rest = ref.segments.slice(resolution.qualified ? 2 : 1);
      const last = run(output.step);
      const value = last ? valueAtPath(last.outputs[output.name], rest) : undefined;
      markdown = `\`${dotted}\`: output **${output.name}** of step \`${output.step.id}\` (line ${lineOf(lines, output.key)}, \`${output.path}\`)${valueBlock(inputs, dotted, value)}`;
      break;
    }
    case 'step': {
      const last = run(resolution.step);
      const value = last ? valueAtPath(stepValue(last), ref.segments.slice(1)) : undefined;
      markdown = `\`${dotted}\`: from the result of step \`${resolution.step.id}\` (line ${lineOf(lines, resolution.step.span)})${valueBlock(inputs, dotted, value)}`;
      break;
    }
    case 'item':
      markdown = `\`${resolution.name}\`: the current item of the for_each loop \`${resolution.step.id}\` (line ${lineOf(lines, resolution.step.span)})`;
      break;
    case 'index':
      markdown = `\`index\`: the position of the current item of the for_each loop \`${resolution.step.id}\``;
      break;
    case 'env':
      markdown = `\`${dotted}\`: flow env (line ${lineOf(lines, resolution.entry.key)})${valueBlock(inputs, dotted, resolution.entry.value ?? undefined, 'Value')}`;
      break;
    case 'result': {
      const own = ref.step ? run(ref.step)?.result : undefined;
      const value = valueAtPath(own, resolution.key === 'response' ? ref.segments.slice(1) : ref.segments);
      markdown = `\`${dotted}\`: the result of this step${valueBlock(inputs, dotted, value)}`;
      break;
    }
    case 'builtin':
      markdown = `\`${dotted}\`: built-in, computed when the step runs`;
      break;
    case 'external': {
      const variable = [...inputs.environment].reverse().find((v) => v.name === resolution.name);
      markdown = variable
        ? `\`${dotted}\`: ${variable.source === 'env_file' ? "the flow's env_file" : variable.source === '.testmesh.yaml' ? '.testmesh.yaml environment' : 'the selected environment'} (${variable.file}:${variable.line + 1})${valueBlock(inputs, dotted, variable.value, 'Value')}`
        : `\`${dotted}\`: not defined in this flow nor in the selected environment; it must come from run variables`;
      break;
    }
  }
  return { span: ref.span, markdown };
}

/** A step's last result: status, duration, HTTP status, the failed assertion. */
function stepHover(step: StepInfo, inputs: HoverInputs): string {
  const head = `**${stepLabel(step)}**${step.action ? ` — \`${step.action}\`` : ''}`;
  const last = inputs.lastRun?.steps.get(step.id);
  if (!last) return `${head}\n\n${inputs.lastRun ? 'Did not run in the last execution.' : 'No run in history yet.'}`;
  const parts = [`Last run: **${last.status}**`];
  if (last.duration_ms !== undefined) parts.push(formatDuration(last.duration_ms));
  if (last.attempt > 1) parts.push(`${last.attempt} attempts`);
  const status = valueAtPath(last.result, ['status']);
  if (typeof status === 'number') parts.push(`HTTP ${status}`);
  let text = `${head}\n\n${parts.join(' · ')}`;
  if (last.assertion) {
    text += `\n\nFailed assertion: \`${last.assertion.expression}\`\n\n${mdEscape(String(inputs.masker.mask('assertion', last.assertion.message)))}`;
  } else if (last.error_message) {
    text += `\n\nError: ${mdEscape(String(inputs.masker.mask('error', last.error_message)))}`;
  }
  if (last.skip_reason) text += `\n\nSkipped: ${mdEscape(last.skip_reason)}`;
  const outputs = Object.keys(last.outputs);
  if (outputs.length)
    text +=
      `\n\nCaptured:${valueBlock(inputs, step.id, Object.fromEntries(outputs.map((k) => [k, inputs.masker.mask(k, last.outputs[k])])), '')}`.replace(
        '\n\n:\n\n',
        '\n\n',
      );
  return text;
}

function mdEscape(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+\-!|<>])/g, '\\$1');
}
