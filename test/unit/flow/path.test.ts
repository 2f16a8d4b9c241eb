import assert from 'node:assert/strict';
import { TestMeshError } from '../../../src/core/errors';
import { normalizeOutputPath, parseOutputPath, PathError, readPath } from '../../../src/core/path';

function assertPathError(text: string, offset: number, message: string): void {
  assert.throws(
    () => parseOutputPath(text),
    (err: unknown) => {
      assert.ok(err instanceof PathError);
      assert.ok(err instanceof TestMeshError);
      assert.equal(err.offset, offset);
      assert.equal(err.message, message);
      return true;
    },
  );
}

describe('output paths', () => {
  it('parses $-paths', () => {
    assert.deepEqual(parseOutputPath('$'), []);
    assert.deepEqual(parseOutputPath('$.body.id'), ['body', 'id']);
    assert.deepEqual(parseOutputPath('$.headers.x-request-id'), ['headers', 'x-request-id']);
    assert.deepEqual(parseOutputPath('$.items[0].id'), ['items', 0, 'id']);
    assert.deepEqual(parseOutputPath("$['content-type']"), ['content-type']);
    assert.deepEqual(parseOutputPath('$["a.b"][12]'), ['a.b', 12]);
    assert.deepEqual(parseOutputPath("$['it\\'s']"), ["it's"]);
    assert.deepEqual(parseOutputPath('$[0][1]'), [0, 1]);
  });

  it('parses bare paths', () => {
    assert.deepEqual(parseOutputPath('body.id'), ['body', 'id']);
    assert.deepEqual(parseOutputPath('status'), ['status']);
    assert.deepEqual(parseOutputPath('[0].id'), [0, 'id']);
    assert.deepEqual(parseOutputPath('body.items[2]'), ['body', 'items', 2]);
  });

  it('reports malformed paths with the offset of the problem', () => {
    assertPathError('', 0, 'invalid path "": empty path at position 1');
    assertPathError('$.', 2, 'invalid path "$.": expected a property name after "." at position 3');
    assertPathError('$.a..b', 4, 'invalid path "$.a..b": expected a property name after "." at position 5');
    assertPathError('$body', 1, 'invalid path "$body": expected "." or "[" but found "b" at position 2');
    assertPathError('$.a[', 4, 'invalid path "$.a[": expected an index or a quoted key after "[" at position 5');
    assertPathError('$.a[x]', 4, 'invalid path "$.a[x]": expected an index or a quoted key after "[" at position 5');
    assertPathError('$.a[1', 5, 'invalid path "$.a[1": expected "]" at position 6');
    assertPathError("$['a", 1, 'invalid path "$[\'a": unterminated quoted key at position 2');
    assertPathError("$['a'x", 5, 'invalid path "$[\'a\'x": expected "]" after the quoted key at position 6');
    assertPathError('.a', 0, 'invalid path ".a": expected a property name at position 1');
    assert.throws(() => parseOutputPath(42 as unknown as string), PathError);
  });

  it('normalises bare paths to the $ form', () => {
    assert.equal(normalizeOutputPath('body.id'), '$.body.id');
    assert.equal(normalizeOutputPath('[0]'), '$[0]');
    assert.equal(normalizeOutputPath('$.status'), '$.status');
  });

  it('reads own properties only, undefined when missing', () => {
    const value = { body: { id: 7, items: [{ id: 'a' }], text: 'hey' }, headers: { 'x-request-id': 'r1' } };
    assert.equal(readPath(value, parseOutputPath('$.body.id')), 7);
    assert.equal(readPath(value, parseOutputPath('$.body.items[0].id')), 'a');
    assert.equal(readPath(value, parseOutputPath('$.headers.x-request-id')), 'r1');
    assert.equal(readPath(value, parseOutputPath('$.body.items.0.id')), 'a');
    assert.equal(readPath(value, parseOutputPath('$.body.items[1]')), undefined);
    assert.equal(readPath(value, parseOutputPath('$.body.missing.deeper')), undefined);
    assert.equal(readPath(value, parseOutputPath('$.body.toString')), undefined);
    assert.equal(readPath(value, parseOutputPath('$.__proto__')), undefined);
    assert.equal(readPath(value, parseOutputPath('$.body.items.length')), 1);
    assert.equal(readPath(value, parseOutputPath('$.body.text.length')), 3);
    assert.equal(readPath(value, parseOutputPath('$.body.text[1]')), 'e');
    assert.equal(readPath(value, parseOutputPath('$.body.text.big')), undefined);
    assert.equal(readPath(value, parseOutputPath('$.body.id.x')), undefined);
    assert.equal(readPath(null, parseOutputPath('$.a')), undefined);
    assert.equal(readPath(value, []), value);
  });
});
