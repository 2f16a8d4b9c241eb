/** A flow that exercises every kind of name: env, outputs, step-qualified outputs, loops, repeated ids. */
export const SAMPLE_FLOW = `flow:
  name: Users
  env:
    API_VERSION: v1
  setup:
    - id: cleanup
      action: log
      config:
        message: "setup cleanup"
  steps:
    - id: create
      name: Create user
      action: http_request
      config:
        method: POST
        url: "{{BASE_URL}}/api/{{API_VERSION}}/users"
      assert:
        - status == 201
        - body.id != nil
      output:
        user_id: $.body.id
        token: $.body.token
    - id: fetch
      action: http_request
      config:
        url: "{{BASE_URL}}/users/{{create.user_id}}?v={{user_id}}"
        headers:
          Authorization: "Bearer \${token}"
      when: create.user_id != nil && user_id > 0
    - id: loop
      action: for_each
      config:
        items: [1, 2]
        item_name: thing
        steps:
          - id: inner
            action: log
            config:
              message: "{{thing}} {{index}} {{create.body.id}} {{RANDOM_ID}}"
  teardown:
    - id: cleanup
      action: log
      config:
        message: "bye {{user_id}}"
      output:
        done: $.message
`;

/** Offset of the n-th (0-based) occurrence of `needle` in `text`, plus `delta`. */
export function offsetOf(text: string, needle: string, n = 0, delta = 0): number {
  let at = -1;
  for (let i = 0; i <= n; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`'${needle}' #${n} not in the text`);
  }
  return at + delta;
}
