/**
 * The generated flow every bench runs and loads: N sequential steps; step i asks for item i
 * (from the previous step's output) and checks it. About 190 bytes a step (10,000 steps: 1.9 MB).
 */
export function flowText(n: number): string {
  const lines = ['flow:', `  name: bench ${n} sequential requests`, '  steps:'];
  for (let i = 0; i < n; i++) {
    lines.push(
      `    - id: get_${i}`,
      '      action: http_request',
      '      config:',
      '        url: ${BASE}/items/{{next_id}}',
      `      assert: ["status == 200", "body.id == ${i}"]`,
      '      output: {next_id: $.body.next}',
    );
  }
  return `${lines.join('\n')}\n`;
}
