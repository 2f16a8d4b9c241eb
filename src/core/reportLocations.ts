/**
 * Puts YAML positions into a flow's report: each step's line and column (a loop iteration or a
 * sub-flow's step: the step written in this file that it came from), and a failed assertion's own
 * line. CI annotations and JUnit point at these.
 */
import { allSteps, type FlowDef, type StepDef } from './flow/types';
import type { FlowReport } from './report';
import { definitionStepId } from './stepIds';

export function locateReport(report: FlowReport, flow: FlowDef): FlowReport {
  const byId = new Map<string, StepDef>(allSteps(flow).map((s) => [s.id, s]));
  const start = (flow.nameRange ?? flow.range).start;
  report.line = start.line;
  for (const step of report.steps) {
    const def = byId.get(definitionStepId(step.step_id));
    if (!def) continue;
    step.line = def.range.start.line;
    step.column = def.range.start.column;
    if (step.assertion) {
      const written = def.assert.find((a) => a.expression === step.assertion!.expression);
      if (written) {
        step.assertion.line = written.range.start.line;
        step.assertion.column = written.range.start.column;
      }
    }
  }
  return report;
}
