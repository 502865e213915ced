import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { calibrate, DEFAULT_FLEET, projectFleet, readMeasurements } from '@vexil/capacity';
import { runCli } from './support/cli-process.js';

// `vexil plan` prints the fleet model's plan for an operator's numbers, with no server.

describe('vexil plan', () => {
  test('prints the reference fleet with the model’s figures, and the same as JSON', async () => {
    const text = await runCli(['plan']);
    assert.equal(text.code, 0, text.stderr);
    const expected = projectFleet(calibrate(readMeasurements()), DEFAULT_FLEET);
    assert.match(
      text.stdout,
      /Fleet for 10,000,000 SDKs \(8,000,000 client-side, 2,000,000 server-side\) in 3 region/,
    );
    assert.match(
      text.stdout,
      new RegExp(`${expected.edgesPerRegion} per region, ${expected.nodes.edges} in all`),
    );
    assert.match(text.stdout, /Breaks first: /);
    const json = await runCli(['plan', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), JSON.parse(JSON.stringify(expected)));
  });

  test('takes the operator’s numbers, with k/M suffixes', async () => {
    const res = await runCli([
      'plan',
      '--json',
      '--client-side',
      '400k',
      '--server-side',
      '100k',
      '--regions',
      '2',
      '--changes',
      '50',
      '--cores',
      '4',
      '--memory',
      '8',
    ]);
    assert.equal(res.code, 0, res.stderr);
    const plan = JSON.parse(res.stdout) as ReturnType<typeof projectFleet>;
    assert.equal(plan.input.clientSideSdks, 400_000);
    assert.equal(plan.input.serverSideSdks, 100_000);
    assert.equal(plan.input.regions, 2);
    assert.equal(plan.input.node.cores, 4);
    // Two regions, each able to carry all 500,000 SDKs.
    assert.ok(plan.edgesPerRegion * plan.edge.maxStreams >= 500_000);
  });

  test('refuses bad numbers with a message naming the option', async () => {
    for (const [args, message] of [
      [['--regions', '0'], /--regions must be a whole number from 1 to 50 \(got "0"\)/],
      [['--cores', 'lots'], /--cores must be a number such as 100, 2.5, 100k or 8M \(got "lots"\)/],
      [['--largest-share', '2'], /--largest-share must be from 0 to 1/],
      [['--client-side', '0', '--server-side', '0'], /plan for at least one SDK/],
      [['--bogus', '1'], /bogus/],
      [['--memory', '1', '--cores', '64'], /cannot hold a single stream .*give it more memory/],
    ] as const) {
      const res = await runCli(['plan', ...args]);
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stdout}${res.stderr}`);
      assert.match(res.stderr, message);
    }
  });
});
