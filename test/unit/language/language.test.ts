import { strict as assert } from 'node:assert';
import { completions, completionSite } from '../../../src/core/language/completion';
import { createMasker, previewValue } from '../../../src/core/language/display';
import { dotenvVariables, testmeshYamlVariables } from '../../../src/core/language/environmentFiles';
import { hoverAt } from '../../../src/core/language/hover';
import { buildLastRun } from '../../../src/core/language/lastRun';
import { expressionNames, stepAt } from '../../../src/core/language/model';
import {
  callerRenameEdits,
  definitionSpans,
  referenceSpans,
  renameEdits,
  RenameError,
  targetAt,
} from '../../../src/core/language/navigation';
import { carriedOver, ParsedFlowCache } from '../../../src/core/language/parsedFlows';
import { addToFlowEnv, unknownVariables, uniqueId } from '../../../src/core/language/quickFixes';
import { scopeOf, visibleVariables } from '../../../src/core/language/resolve';
import { documentSymbols } from '../../../src/core/language/symbols';
import { offsetOf, SAMPLE_FLOW } from './fixtures';

const parse = (text = SAMPLE_FLOW) => new ParsedFlowCache().get('/ws/users.flow.yaml', text);
const textAt = (text: string, span: { start: number; end: number }) => text.slice(span.start, span.end);
const apply = (text: string, edits: Array<{ span: { start: number; end: number }; newText: string }>) =>
  [...edits]
    .sort((a, b) => b.span.start - a.span.start)
    .reduce((t, e) => t.slice(0, e.span.start) + e.newText + t.slice(e.span.end), text);

const lastRun = buildLastRun(
  'exec-1',
  'completed',
  undefined,
  [
    {
      step_id: 'create',
      step_name: 'Create user',
      action: 'http_request',
      phase: 'steps',
      status: 'completed',
      attempt: 1,
      duration_ms: 12,
    },
    {
      step_id: 'fetch',
      step_name: 'fetch',
      action: 'http_request',
      phase: 'steps',
      status: 'failed',
      attempt: 1,
      duration_ms: 5,
      error_message: 'assertion failed',
      assertion: { expression: 'status == 200', message: 'status == 200: got status = 404' },
    },
  ],
  [
    {
      step_id: 'create',
      attempt: 1,
      response: {
        status: 201,
        headers: { 'content-type': 'application/json' },
        body: { id: 42, token: 's3cr3t-token', name: 'Ann' },
        size_bytes: 10,
        duration_ms: 12,
      },
      outputs: { user_id: 42, token: 's3cr3t-token' },
    },
  ],
);
const masker = createMasker(['s3cr3t-token']);

describe('language: model and scope', () => {
  it('reads steps, ids, outputs, env and references with their source spans', () => {
    const { model, text } = parse();
    assert.deepEqual(
      model.steps.map((s) => s.id),
      ['cleanup', 'create', 'fetch', 'loop', 'inner', 'cleanup'],
    );
    assert.equal(model.steps[4].parent?.id, 'loop');
    assert.equal(textAt(text, model.steps[1].idSpan!), 'create');
    assert.deepEqual(
      model.steps[1].outputs.map((o) => [o.name, textAt(text, o.key), o.path]),
      [
        ['user_id', 'user_id', '$.body.id'],
        ['token', 'token', '$.body.token'],
      ],
    );
    assert.deepEqual(
      model.env.map((e) => e.name),
      ['API_VERSION'],
    );
    assert.equal(model.steps[3].itemName?.name, 'thing');
    const names = model.references.map((r) => r.segments.join('.'));
    for (const expected of [
      'BASE_URL',
      'API_VERSION',
      'create.user_id',
      'user_id',
      'token',
      'thing',
      'index',
      'create.body.id',
      'RANDOM_ID',
      'status',
      'body.id',
    ])
      assert.ok(names.includes(expected), `${expected} in ${names.join(', ')}`);
    for (const ref of model.references) assert.equal(textAt(text, ref.spans[0]), ref.segments[0]);
  });

  it('resolves names by the engine rules: earlier outputs, step ids, loops, flow env, built-ins, the outside', () => {
    const { model, text } = parse();
    const scope = scopeOf(model);
    const kindAt = (needle: string, n = 0) => {
      const ref = model.references.find((r) => r.span.start === offsetOf(text, needle, n));
      assert.ok(ref, `no reference at ${needle}`);
      const resolution = scope.resolve(ref);
      return resolution.kind === 'output'
        ? `output ${resolution.output.step.id}.${resolution.output.name}${resolution.qualified ? ' qualified' : ''}`
        : resolution.kind === 'step'
          ? `step ${resolution.step.id}`
          : resolution.kind;
    };
    assert.equal(kindAt('BASE_URL'), 'external');
    assert.equal(kindAt('API_VERSION}}'), 'env');
    assert.equal(kindAt('create.user_id}}'), 'output create.user_id qualified');
    assert.equal(kindAt('user_id}}', 1), 'output create.user_id');
    assert.equal(kindAt('thing}}'), 'item');
    assert.equal(kindAt('index}}'), 'index');
    assert.equal(kindAt('create.body.id}}'), 'step create');
    assert.equal(kindAt('RANDOM_ID'), 'builtin');
    assert.equal(kindAt('status == 201'), 'result');
  });

  it('lists what is visible at a step, nearest first, and nothing from later steps or enclosing loops', () => {
    const { model } = parse();
    const create = model.steps[1];
    const inner = model.steps[4];
    assert.ok(
      !visibleVariables(model, create).some((v) => v.name === 'user_id'),
      'a step does not see its own outputs in config',
    );
    const atInner = visibleVariables(model, inner).map((v) => v.name);
    for (const name of [
      'thing',
      'index',
      'user_id',
      'token',
      'create.user_id',
      'create',
      'fetch',
      'cleanup',
      'API_VERSION',
      'RANDOM_ID',
    ])
      assert.ok(atInner.includes(name), name);
    assert.ok(!atInner.includes('loop'), 'the enclosing loop has not finished');
    assert.ok(!atInner.includes('done'), 'teardown runs later');
    const atTeardown = visibleVariables(model, model.steps[5]).map((v) => v.name);
    assert.ok(atTeardown.includes('loop') && atTeardown.includes('user_id'));
  });

  it('finds bare names in expressions, skipping strings, calls, keywords and placeholders', () => {
    const names = expressionNames(
      `len(body.items) > 0 && user.name == "a.b" and not x in ['y'] || {{z}} contains w`,
      0,
    ).map((r) => r.segments.join('.'));
    assert.deepEqual(names, ['body.items', 'user.name', 'x', 'w']);
  });
});

describe('language: definition, references, rename', () => {
  it('goes from {{step.x}} to the output x, from {{x}} to the output, from a flow env use to its key', () => {
    const { model, text } = parse();
    const def = (needle: string, n = 0, delta = 0) => {
      const at = targetAt(model, offsetOf(text, needle, n, delta));
      assert.ok(at, `no target at ${needle}`);
      return definitionSpans(model, at.target).map((s) => [
        model.steps.find((st) => st.span.start <= s.start && s.end <= st.span.end)?.id,
        textAt(text, s),
      ]);
    };
    assert.deepEqual(def('create.user_id}}', 0, 8), [['create', 'user_id']]);
    assert.deepEqual(def('create.user_id}}', 0, 1), [['create', 'create']]);
    assert.deepEqual(def('user_id}}', 1), [['create', 'user_id']]);
    assert.deepEqual(def('API_VERSION}}'), [[undefined, 'API_VERSION']]);
    assert.equal(targetAt(model, offsetOf(text, 'BASE_URL'))?.target.kind, 'external');
  });

  it('finds every reference of an output: qualified, bare, in expressions, in teardown', () => {
    const { model, text } = parse();
    const at = targetAt(model, offsetOf(text, 'user_id: $.body.id'))!;
    const spans = referenceSpans(model, at.target, true);
    assert.equal(spans.length, 6);
    for (const s of spans) assert.equal(textAt(text, s), 'user_id');
  });

  it('renames a step id and every reference to it; refuses collisions and invalid ids', () => {
    const { model, text } = parse();
    const { edits } = renameEdits(model, offsetOf(text, 'id: create', 0, 5), 'make_user');
    const renamed = apply(text, edits);
    assert.ok(renamed.includes('id: make_user'));
    assert.ok(
      renamed.includes('{{make_user.user_id}}') &&
        renamed.includes('make_user.user_id != nil') &&
        renamed.includes('{{make_user.body.id}}'),
    );
    assert.ok(!/\bcreate\b/.test(renamed.replace('Create user', '')), renamed);
    assert.throws(
      () => renameEdits(model, offsetOf(text, 'id: create', 0, 5), 'fetch'),
      (e: Error) => e instanceof RenameError && /already exists/.test(e.message),
    );
    assert.throws(() => renameEdits(model, offsetOf(text, 'id: create', 0, 5), 'not valid'), RenameError);
    assert.throws(() => renameEdits(model, offsetOf(text, 'BASE_URL'), 'X'), /environment/);
  });

  it('renames an output everywhere it is read and refuses a name already in use', () => {
    const { model, text } = parse();
    const renamed = apply(text, renameEdits(model, offsetOf(text, 'user_id}}', 1), 'uid').edits);
    assert.ok(
      renamed.includes('uid: $.body.id') &&
        renamed.includes('{{create.uid}}') &&
        renamed.includes('v={{uid}}') &&
        renamed.includes('bye {{uid}}') &&
        renamed.includes('user_id > 0') === false,
    );
    assert.throws(() => renameEdits(model, offsetOf(text, 'user_id: $'), 'token'), /already has an output 'token'/);
    assert.throws(() => renameEdits(model, offsetOf(text, 'user_id: $'), 'API_VERSION'), /flow env/);
  });

  it('renames repeated step ids together (a reference cannot tell them apart)', () => {
    const { model, text } = parse();
    const renamed = apply(text, renameEdits(model, offsetOf(text, 'id: cleanup', 0, 5), 'tidy').edits);
    assert.equal(renamed.match(/id: tidy/g)?.length, 2);
  });

  it('updates callers that read a renamed output through run_flow', () => {
    const caller = parse(
      `flow:\n  name: Caller\n  steps:\n    - id: call\n      action: run_flow\n      config:\n        flow: users.flow.yaml\n    - id: use\n      action: log\n      config:\n        message: "{{call.token}} {{call.outputs.token}} {{token}}"\n`,
    );
    const edits = callerRenameEdits(caller.model, (s) => s.id === 'call', 'token', 'auth');
    assert.equal(apply(caller.text, edits).includes('"{{call.auth}} {{call.outputs.auth}} {{token}}"'), true);
  });
});

describe('language: completion, hover, symbols, quick fixes', () => {
  it('offers outputs of earlier steps with their last value inside {{ }}, masked when secret', () => {
    const text = SAMPLE_FLOW.replace('?v={{user_id}}', '?v={{');
    const { model, lines } = parse(text);
    const offset = offsetOf(text, '?v={{', 0, 5);
    const site = completionSite(model, lines, offset);
    assert.equal(site?.kind, 'placeholder');
    const entries = completions(model, site!, offset, {
      lastRun,
      environment: [],
      masker,
      schemaCompletionActive: false,
    });
    const byLabel = new Map(entries.map((e) => [e.label, e]));
    assert.match(byLabel.get('user_id')!.detail, /output of step 'create' .* = 42$/);
    assert.match(byLabel.get('create.user_id')!.detail, /= 42$/);
    assert.match(byLabel.get('token')!.detail, /= "\*\*\*"|= \*\*\*/);
    assert.ok(!JSON.stringify(entries).includes('s3cr3t'));
    assert.equal(byLabel.get('user_id')!.insertText, 'user_id}}');
    assert.ok(byLabel.has('API_VERSION') && byLabel.has('RANDOM_ID') && byLabel.has('create'));
  });

  it('completes members after step. with outputs, result keys and the last body fields', () => {
    const text = SAMPLE_FLOW.replace('{{create.body.id}}', '{{create.body.}}');
    const { model, lines } = parse(text);
    const offset = offsetOf(text, '{{create.body.}}', 0, 14);
    const entries = completions(model, completionSite(model, lines, offset)!, offset, {
      lastRun,
      environment: [],
      masker,
      schemaCompletionActive: false,
    });
    assert.deepEqual(
      entries.map((e) => e.label),
      ['id', 'token', 'name'],
    );
    assert.ok(entries.find((e) => e.label === 'token')!.detail.includes('***'));
  });

  it('offers result keys and functions in expressions, action names and config keys unless the schema does', () => {
    const { model, lines, text } = parse();
    const at = offsetOf(text, 'status == 201', 0, 3);
    const expression = completions(model, completionSite(model, lines, at)!, at, {
      lastRun,
      environment: [],
      masker,
      schemaCompletionActive: false,
    }).map((e) => e.label);
    assert.ok(expression.includes('status') && expression.includes('len') && expression.includes('body'));
    const actionText = SAMPLE_FLOW.replace(
      'action: log\n      config:\n        message: "setup cleanup"',
      'action: ht',
    );
    const parsedAction = parse(actionText);
    const actionAt = offsetOf(actionText, 'action: ht', 0, 10);
    const site = completionSite(parsedAction.model, parsedAction.lines, actionAt)!;
    assert.equal(site.kind, 'action');
    assert.ok(
      completions(parsedAction.model, site, actionAt, { environment: [], masker, schemaCompletionActive: false }).some(
        (e) => e.label === 'http_request',
      ),
    );
    assert.deepEqual(
      completions(parsedAction.model, site, actionAt, { environment: [], masker, schemaCompletionActive: true }),
      [],
    );
    const keyText = SAMPLE_FLOW.replace('        method: POST\n', '        method: POST\n        he\n');
    const parsedKey = parse(keyText);
    const keyAt = offsetOf(keyText, '        he\n', 0, 10);
    const keySite = completionSite(parsedKey.model, parsedKey.lines, keyAt)!;
    assert.equal(keySite.kind, 'configKey');
    const keys = completions(parsedKey.model, keySite, keyAt, {
      environment: [],
      masker,
      schemaCompletionActive: false,
    }).map((e) => e.label);
    assert.ok(keys.includes('headers') && !keys.includes('method'));
  });

  it('hovers a placeholder with its last value and origin, a step with its last result', () => {
    const { model, lines, text } = parse();
    const hover = hoverAt(model, lines, offsetOf(text, 'create.user_id}}', 0, 9), {
      lastRun,
      environment: [],
      masker,
    })!;
    assert.match(hover.markdown, /output \*\*user_id\*\* of step `create` \(line \d+/);
    assert.match(hover.markdown, /42/);
    const secret = hoverAt(model, lines, offsetOf(text, 'token}"'), { lastRun, environment: [], masker })!;
    assert.ok(secret.markdown.includes('***') && !secret.markdown.includes('s3cr3t'));
    const step = hoverAt(model, lines, offsetOf(text, 'id: fetch', 0, 5), { lastRun, environment: [], masker })!;
    assert.match(step.markdown, /Last run: \*\*failed\*\* · 5 ms/);
    assert.match(step.markdown, /Failed assertion: `status == 200`/);
    const action = hoverAt(model, lines, offsetOf(text, 'http_request'), { lastRun, environment: [], masker })!;
    assert.match(action.markdown, /Sends an HTTP request/);
    const env = hoverAt(model, lines, offsetOf(text, 'BASE_URL'), {
      lastRun,
      environment: dotenvVariables('BASE_URL=http://x\nAPI_TOKEN=abc123\n', '/ws/.env', 'environment'),
      masker,
    })!;
    assert.match(env.markdown, /selected environment \(\/ws\/\.env:1\)[\s\S]*http:\/\/x/);
  });

  it('outlines the flow: env, phases, steps by name and id, nested steps, outputs', () => {
    const { model } = parse();
    const [flow] = documentSymbols(model);
    assert.equal(flow.name, 'Users');
    assert.deepEqual(
      flow.children.map((c) => c.name),
      ['env', 'setup', 'steps', 'teardown'],
    );
    const steps = flow.children[2];
    assert.deepEqual(
      steps.children.map((c) => c.name),
      ['Create user (create)', 'fetch', 'loop'],
    );
    assert.deepEqual(
      steps.children[0].children.map((c) => c.name),
      ['user_id', 'token'],
    );
    assert.deepEqual(
      steps.children[2].children.map((c) => c.name),
      ['inner'],
    );
  });

  it('finds unknown variables with a did-you-mean, and where to add one to the flow env', () => {
    const text = SAMPLE_FLOW.replace('?v={{user_id}}', '?v={{usr_id}}');
    const { model } = parse(text);
    const unknown = unknownVariables(model, new Set(['BASE_URL']));
    assert.deepEqual(
      unknown.map((u) => [u.name, u.suggestion]),
      [['usr_id', 'user_id']],
    );
    const insertion = addToFlowEnv(model, text, 'NEW_VAR')!;
    const added = text.slice(0, insertion.offset) + insertion.text + text.slice(insertion.offset);
    assert.ok(added.includes('    API_VERSION: v1\n    NEW_VAR: ""\n'), added);
    assert.equal(uniqueId(model, 'cleanup'), 'cleanup_2');
    const noEnv = parse(`flow:\n  name: X\n  steps:\n    - action: log\n      config:\n        message: "{{A}}"\n`);
    const ins = addToFlowEnv(noEnv.model, noEnv.text, 'A')!;
    assert.equal(
      noEnv.text.slice(0, ins.offset) + ins.text + noEnv.text.slice(ins.offset),
      `flow:\n  name: X\n  env:\n    A: ""\n  steps:\n    - action: log\n      config:\n        message: "{{A}}"\n`,
    );
  });

  it('reads .env and .testmesh.yaml variables with lines; masks secrets; previews on one line', () => {
    assert.deepEqual(
      dotenvVariables('# c\nexport A=1\nB="two"\n', '/e', 'environment').map((v) => [
        v.name,
        v.value,
        v.line,
        v.column,
      ]),
      [
        ['A', '1', 1, 7],
        ['B', 'two', 2, 0],
      ],
    );
    const yaml =
      'environment: staging\nenvironments:\n  dev:\n    BASE_URL: http://dev\n  staging:\n    BASE_URL: http://staging\n    DB: x\n';
    assert.deepEqual(
      testmeshYamlVariables(yaml, '/t').map((v) => [v.name, v.value, v.line]),
      [
        ['BASE_URL', 'http://staging', 5],
        ['DB', 'x', 6],
      ],
    );
    assert.equal(masker.mask('API_TOKEN', 'anything'), '***');
    assert.deepEqual(masker.mask('user', { name: 'a', password: 'p', note: 'has s3cr3t-token inside' }), {
      name: 'a',
      password: '***',
      note: 'has *** inside',
    });
    assert.equal(previewValue({ a: 'x'.repeat(200) }).length, 80);
  });

  it('parses once per text and shares it; tolerates half-typed and hostile text', () => {
    const cache = new ParsedFlowCache();
    const a = cache.get('/f.yaml', SAMPLE_FLOW);
    assert.equal(cache.get('/f.yaml', SAMPLE_FLOW), a);
    assert.notEqual(cache.get('/f.yaml', SAMPLE_FLOW + '\n'), a);
    for (const text of [
      '',
      'flow: [',
      'flow:\n  steps:\n    - id: a\n      action: log\n      config: {message: "{{',
      '&a [*a]',
      'flow:\n  steps: *x',
      '{'.repeat(5000),
    ]) {
      const parsed = cache.get('/h.yaml', text);
      assert.ok(Array.isArray(parsed.model.steps));
      stepAt(parsed.model, 3);
    }
    const half = cache.get(
      '/h.yaml',
      'flow:\n  name: h\n  steps:\n    - id: a\n      action: log\n      output:\n        x: $.message\n    - id: b\n      action: log\n      config:\n        message: "{{a.',
    );
    assert.ok(half.model.steps.some((s) => s.id === 'b'));
  });

  it('carries a parse over to an edited text: spans after the edit move, what the edit touched is dropped', () => {
    const before = parse();
    const inserted = '\n# a comment line\n';
    const at = offsetOf(SAMPLE_FLOW, '    - id: fetch');
    const text = SAMPLE_FLOW.slice(0, at) + inserted.slice(1) + SAMPLE_FLOW.slice(at);
    const carried = carriedOver(before, text);
    const fresh = parse(text);
    const view = (m: typeof fresh.model) => ({
      steps: m.steps.map((s) => [s.id, s.span.start, s.idSpan?.start, s.outputs.map((o) => o.key.start)]),
      refs: m.references.map((r) => [r.segments.join('.'), r.span.start, r.step?.id]),
      env: m.env.map((e) => e.key.start),
    });
    assert.deepEqual(view(carried.model), view(fresh.model));
    assert.equal(carried.lines.lineCount, fresh.lines.lineCount);
    // Typing inside a placeholder: that reference is dropped until the real parse, the rest stay.
    const typed = SAMPLE_FLOW.replace('?v={{user_id}}', '?v={{user_idx}}');
    const partial = carriedOver(before, typed);
    assert.equal(partial.model.references.length, before.model.references.length - 1);
    assert.equal(partial.model.steps[2].span.end, before.model.steps[2].span.end + 1);
  });
});
