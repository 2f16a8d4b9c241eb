/** The outline of a flow: flow -> env, setup/steps/teardown -> steps -> nested steps and outputs. */
import type { FlowModel, Span, StepInfo } from './model';

export type FlowSymbolKind = 'flow' | 'phase' | 'step' | 'env' | 'variable' | 'output';

export interface FlowSymbol {
  name: string;
  detail: string;
  kind: FlowSymbolKind;
  /** The whole construct. */
  span: Span;
  /** What to select when the symbol is picked (the id, the name, the key). */
  selection: Span;
  children: FlowSymbol[];
}

/** A step's label: its name and id (`Create user (create)`), or just the id. */
export function stepLabel(step: StepInfo): string {
  return step.name && step.name !== step.id ? `${step.name} (${step.id})` : step.id;
}

function stepSymbol(step: StepInfo, children: Map<StepInfo, StepInfo[]>): FlowSymbol {
  const nested = (children.get(step) ?? []).map((c) => stepSymbol(c, children));
  const outputs: FlowSymbol[] = step.outputs.map((o) => ({
    name: o.name,
    detail: o.path,
    kind: 'output',
    span: o.value ? { start: o.key.start, end: o.value.end } : o.key,
    selection: o.key,
    children: [],
  }));
  return {
    name: stepLabel(step),
    detail: step.action,
    kind: 'step',
    span: step.span,
    selection: within(step.idSpan ?? step.nameSpan ?? step.actionSpan ?? step.span, step.span),
    children: [...outputs, ...nested],
  };
}

/** VS Code wants the selection inside the range. */
function within(selection: Span, span: Span): Span {
  return selection.start >= span.start && selection.end <= span.end
    ? selection
    : { start: span.start, end: span.start };
}

export function documentSymbols(model: FlowModel): FlowSymbol[] {
  if (!model.span) return [];
  const children = new Map<StepInfo, StepInfo[]>();
  for (const step of model.steps) {
    if (!step.parent) continue;
    const list = children.get(step.parent);
    if (list) list.push(step);
    else children.set(step.parent, [step]);
  }
  const top: FlowSymbol[] = [];
  if (model.envSpan && model.env.length) {
    const end = Math.max(model.envSpan.end, ...model.env.map((e) => e.key.end));
    top.push({
      name: 'env',
      detail: `${model.env.length} variable(s)`,
      kind: 'env',
      span: { start: model.envSpan.start, end },
      selection: model.envSpan,
      children: model.env.map((e) => ({
        name: e.name,
        detail: e.value === undefined ? '' : String(e.value),
        kind: 'variable',
        span: e.key,
        selection: e.key,
        children: [],
      })),
    });
  }
  for (const phase of model.phases) {
    const steps = model.steps.filter((s) => !s.parent && s.phase === phase.phase);
    const span = { start: phase.key.start, end: Math.max(phase.span.end, phase.key.end) };
    top.push({
      name: phase.phase,
      detail: `${steps.length} step(s)`,
      kind: 'phase',
      span,
      selection: phase.key,
      children: steps.map((s) => stepSymbol(s, children)),
    });
  }
  const flowSpan = {
    start: Math.min(model.span.start, ...top.map((t) => t.span.start)),
    end: Math.max(model.span.end, ...top.map((t) => t.span.end)),
  };
  return [
    {
      name: model.name ?? 'flow',
      detail: 'flow',
      kind: 'flow',
      span: flowSpan,
      selection: within(model.nameSpan ?? flowSpan, flowSpan),
      children: top,
    },
  ];
}
