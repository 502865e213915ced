import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cutOffRequest } from '@vexil/testkit';
import { EdgeError, readBody } from '../src/http/respond.js';

// A client that goes away in the middle of its body (an SDK's events post) is answered like any
// bad request, not logged as an unhandled server error.

test('a body cut off by the client is a 400 on the edge', async () => {
  await assert.rejects(readBody(cutOffRequest(), 1024), (e: unknown) => {
    assert.ok(e instanceof EdgeError);
    assert.equal(e.status, 400);
    assert.match(e.message, /ended before it was complete/);
    return true;
  });
});
