import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommandArgs } from '../src/args.js';
import { commandHelp } from '../src/help.js';
import { edgeCommand } from '../src/roles/edge-command.js';
import { EDGE_OPTIONS, loadEdgeConfig } from '../src/roles/edge-config.js';

// docs/operations.md says `vexil edge --help` lists every variable: the help names each option
// the edge takes and each environment variable its configuration reads.

test('vexil edge --help names every option and every variable the edge reads', () => {
  const help = commandHelp('vexil', edgeCommand);
  for (const option of EDGE_OPTIONS) assert.match(help, new RegExp(`--${option}\\b`), option);

  // Every variable loadEdgeConfig looks at, with the options that read more (Redis, the probe).
  const read = new Set<string>();
  const given: Record<string, string | undefined> = {
    VEXIL_BUS: 'nats://n1:4222',
    VEXIL_ORIGIN: 'https://origin:8080',
    VEXIL_EDGE_TOKEN: 'vxl_edge-token',
    VEXIL_REDIS: 'redis://redis:6379',
    VEXIL_PROBE: 'canary/production/probe',
    VEXIL_PROBE_TOKEN: 'vxl_writer-token',
  };
  const env = new Proxy(given, {
    get(target, name) {
      if (typeof name === 'string') read.add(name);
      return Reflect.get(target, name) as unknown;
    },
  });
  const config = loadEdgeConfig({
    args: parseCommandArgs([], edgeCommand.options, 'edge'),
    io: { stdout: () => undefined, stderr: () => undefined },
    env,
    cwd: '/',
    version: 'test',
  });
  assert.ok(config.redis !== undefined && config.probe !== undefined, 'Redis and probe read');
  for (const variable of ['VEXIL_EDGE_ID', 'VEXIL_HEARTBEAT', 'VEXIL_MAX_STREAM_LIFETIME'])
    assert.ok(read.has(variable), `${variable} is read`);
  for (const variable of read) assert.ok(help.includes(variable), `the help names ${variable}`);
});
