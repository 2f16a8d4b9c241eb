/** Result fields under TestMesh's names too, and TestMesh's generated parallel branches written as steps. */
import assert from 'node:assert/strict';
import { runRecorded, stepOf } from '../helpers';

describe("compat: TestMesh's result fields and shapes", () => {
  it('wait_until gives met, timed_out and condition; parallel gives branches_total, branches_failed and results', async () => {
    const run = await runRecorded(
      `flow:
  name: results
  steps:
    - id: wait
      action: wait_until
      config: { condition: "1 == 1", interval: 10ms, max_duration: 1s }
      assert:
        - met == true && timed_out == false && condition == "1 == 1" && satisfied
    - id: gave_up
      action: wait_until
      config: { condition: "1 == 2", interval: 10ms, max_duration: 30ms, on_timeout: continue }
      assert:
        - met == false && timed_out == true
    - id: fan
      action: parallel
      config:
        branches:
          - id: a
            action: log
            config: { message: a }
          - steps:
              - id: b
                action: log
                config: { message: b }
      assert:
        - branches_total == 2 && branches_failed == 0
        - results.branch_0.status == "completed" && results.branch_1.status == "completed"
`,
      {},
    );
    assert.equal(run.result.status, 'completed', JSON.stringify(run.result.steps, null, 1));
    assert.equal(stepOf(run, 'a').parent_id, 'fan', 'a branch written as a step runs as a branch of that step');
    assert.equal(stepOf(run, 'b').parent_id, 'fan');
  });
});
