/** JUnit XML, which CI systems (GitHub Actions, GitLab, Jenkins) read: a suite per flow, a case per step. */
import { formatDiagnostic } from '../../core/errors';
import type { FlowReport, RunReport } from '../../core/report';
import { shortJson } from './markdown';
import type { Reporter } from './types';

function escapeXml(text: string): string {
  // Characters XML 1.0 forbids are dropped; the five specials are escaped.
  return text
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function suite(flow: FlowReport): string {
  const attr = (name: string, value: string | number) => ` ${name}="${escapeXml(String(value))}"`;
  const lines: string[] = [];
  if (flow.status === 'error') {
    const text = (flow.diagnostics ?? []).map(formatDiagnostic).join('\n') || flow.error || 'invalid flow';
    lines.push(
      `  <testsuite${attr('name', flow.name)}${attr('file', flow.file)} tests="1" failures="0" errors="1" skipped="0" time="0.000">`,
    );
    lines.push(
      `    <testcase${attr('classname', flow.name)}${attr('name', 'validate')}${attr('file', flow.file)} time="0.000">`,
    );
    lines.push(
      `      <error${attr('message', flow.error ?? 'invalid flow')} type="ValidationError">${escapeXml(text)}</error>`,
    );
    lines.push('    </testcase>', '  </testsuite>');
    return lines.join('\n');
  }
  const failures = flow.steps.filter((s) => s.status === 'failed').length;
  const skipped = flow.steps.filter((s) => s.status === 'skipped').length;
  lines.push(
    `  <testsuite${attr('name', flow.name)}${attr('file', flow.file)}${attr('tests', flow.steps.length)}${attr('failures', failures)} errors="0"${attr('skipped', skipped)}${attr('time', seconds(flow.duration_ms))}>`,
  );
  for (const step of flow.steps) {
    const line = step.assertion?.line ?? step.line;
    const at = line === undefined ? '' : attr('line', line);
    const open = `    <testcase${attr('classname', flow.name)}${attr('name', `${step.phase}: ${step.name}`)}${attr('file', flow.file)}${at}${attr('time', seconds(step.duration_ms))}`;
    if (step.status === 'passed') lines.push(`${open}/>`);
    else if (step.status === 'skipped')
      lines.push(`${open}>`, `      <skipped${attr('message', step.error ?? 'skipped')}/>`, '    </testcase>');
    else {
      const body = [step.error ?? 'failed'];
      let message = step.error ?? 'failed';
      if (step.assertion) {
        const expected = shortJson(step.assertion.expected);
        const actual = shortJson(step.assertion.actual);
        // CI systems often show only the message: it carries the values too.
        message = `${message} (expected ${expected}, actual ${actual})`;
        body.push(
          `expression: ${step.assertion.expression}`,
          `expected: ${shortJson(step.assertion.expected, 4000)}`,
          `actual: ${shortJson(step.assertion.actual, 4000)}`,
        );
      }
      if (step.attempts > 1) body.push(`attempts: ${step.attempts}`);
      if (line !== undefined) body.push(`at ${flow.file}:${line}:${step.assertion?.column ?? step.column ?? 1}`);
      lines.push(
        `${open}>`,
        `      <failure${attr('message', message)}${attr('type', step.assertion ? 'AssertionError' : 'StepError')}>${escapeXml(body.join('\n'))}</failure>`,
        '    </testcase>',
      );
    }
  }
  if (flow.status === 'failed' && failures === 0 && flow.error) {
    lines.push(
      `    <testcase${attr('classname', flow.name)}${attr('name', 'flow')} time="0.000">`,
      `      <failure${attr('message', flow.error)} type="FlowError"/>`,
      '    </testcase>',
    );
  }
  lines.push('  </testsuite>');
  return lines.join('\n');
}

export class JunitReporter implements Reporter {
  finished(report: RunReport): string {
    const tests = report.flows.reduce((n, f) => n + (f.status === 'error' ? 1 : f.steps.length), 0);
    const failures = report.flows.reduce((n, f) => n + f.steps.filter((s) => s.status === 'failed').length, 0);
    const errors = report.summary.errors;
    return [
      '<?xml version="1.0" encoding="UTF-8"?>',
      `<testsuites name="testmesh" tests="${tests}" failures="${failures}" errors="${errors}" time="${seconds(report.summary.duration_ms)}">`,
      ...report.flows.map(suite),
      '</testsuites>',
      '',
    ].join('\n');
  }
}
