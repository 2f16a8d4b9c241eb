// An imported request's headers: one entry per name, whatever its spelling.
import assert from 'node:assert/strict';
import { hasHeader, headerValue, setHeader } from '../../../src/core/import/headers';

describe('import: request headers', () => {
  it('finds a header in any spelling and replaces it with the new spelling', () => {
    const headers: Record<string, string> = { 'content-type': 'text/plain', Accept: '*/*' };
    assert.equal(hasHeader(headers, 'Content-Type'), true);
    assert.equal(headerValue(headers, 'ACCEPT'), '*/*');
    assert.equal(hasHeader(headers, 'Authorization'), false);
    assert.equal(headerValue(headers, 'Authorization'), undefined);
    setHeader(headers, 'Content-Type', 'application/json');
    setHeader(headers, 'X-Id', '7');
    assert.deepEqual(headers, { Accept: '*/*', 'Content-Type': 'application/json', 'X-Id': '7' });
  });
});
