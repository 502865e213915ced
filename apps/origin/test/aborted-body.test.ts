import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cutOffRequest } from '@vexil/testkit';
import { ApiError } from '../src/http/api-error.js';
import { readBody } from '../src/http/body.js';

// A client that goes away in the middle of its body is answered like any bad request, not
// logged as an unhandled server error.

test('a body cut off by the client is a 400 on the API', async () => {
  await assert.rejects(readBody(cutOffRequest(), 1024), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.match(e.message, /ended before it was complete/);
    return true;
  });
});
