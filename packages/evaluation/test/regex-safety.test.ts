import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';

// A catastrophic pattern meets a long attacker-chosen string. With a backtracking engine,
// `^(a+)+$` against "aaaa...ab" explores 2^n paths (n = 100,000 here: it would never finish).
// The evaluator matches with RE2 semantics in linear time. The evaluation runs in a worker so
// that, were it to hang, the watchdog would fail the test instead of stalling the suite; the
// bound is a liveness check many orders of magnitude above the expected time, not a benchmark.

const WATCHDOG_MS = 30_000;

const workerSource = `
const { parentPort } = require('node:worker_threads');
(async () => {
  const { parseContext, parseFlag } = await import(${JSON.stringify(import.meta.resolve('@vexil/protocol'))});
  const { evaluate } = await import(${JSON.stringify(import.meta.resolve('@vexil/evaluation'))});
  const patterns = ['^(a+)+$', '^(a|a)*$', '(a|aa)+$', '^(([a-z])+.)+[A-Z]([a-z])+$', '(x+x+)+y'];
  const flag = parseFlag({
    key: 'redos', version: 1, on: true, variations: ['matched', 'safe'],
    rules: [{ id: 'r', variation: 0, clauses: [{ contextKind: 'user', attribute: 'email', op: 'matches', values: patterns }] }],
    fallthrough: { variation: 1 },
  });
  const attacker = 'a'.repeat(100000) + 'b';
  const context = parseContext({ kind: 'user', key: 'attacker', email: attacker });
  const lookup = { getFlag: () => undefined, getSegment: () => undefined };
  const result = evaluate(flag.value, context.value, lookup);
  const legit = evaluate(flag.value, parseContext({ kind: 'user', key: 'ok', email: 'aaaa' }).value, lookup);
  parentPort.postMessage({ result, legit });
})();
`;

test('a catastrophic regular expression cannot stall evaluation', async () => {
  const worker = new Worker(workerSource, { eval: true });
  const outcome = await new Promise<{ result: { value: unknown }; legit: { value: unknown } }>(
    (resolve, reject) => {
      const watchdog = setTimeout(() => {
        void worker.terminate();
        reject(
          new Error(
            `evaluation did not finish within ${WATCHDOG_MS} ms: the regex engine backtracks`,
          ),
        );
      }, WATCHDOG_MS);
      worker.once(
        'message',
        (message: { result: { value: unknown }; legit: { value: unknown } }) => {
          clearTimeout(watchdog);
          resolve(message);
        },
      );
      worker.once('error', (e) => {
        clearTimeout(watchdog);
        reject(e);
      });
    },
  );
  await worker.terminate();
  assert.equal(outcome.result.value, 'safe', 'the attacker string does not match');
  assert.equal(outcome.legit.value, 'matched', 'the same patterns still match legitimate input');
});
