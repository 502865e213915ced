import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runCli as runInProcess } from '../src/cli.js';
import { COMMANDS, isGroup } from '../src/command-table.js';
import type { Command } from '../src/commands/command.js';
import {
  failureLine,
  json,
  killServer,
  runCli,
  startServer,
  tempDir,
  type ServerProcess,
} from './support/cli-process.js';

// `--comment <text>` on every command that changes something: sent as X-Vexil-Comment, kept in
// the audit entry, shown by `vexil audit`; refused with a usage error on commands that only
// read, and when it is not one short paragraph of text.

interface Entry {
  action: string;
  resourceKey: string;
  comment?: string;
}

/** Every command, with its name as typed (`flags toggle`). */
function everyCommand(): { name: string; command: Command }[] {
  return COMMANDS.flatMap((entry) =>
    isGroup(entry)
      ? entry.commands.map((command) => ({ name: `${entry.name} ${command.name}`, command }))
      : [{ name: entry.name, command: entry }],
  );
}

async function inProcess(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runInProcess(args, {
    io: { stdout: (s: string) => (out += s), stderr: (s: string) => (err += s) },
    env: {},
    cwd: process.cwd(),
    version: 'test',
  });
  return { code, out, err };
}

describe('--comment', () => {
  test('the commands that change something take it, and their help says so', async () => {
    const writes = everyCommand()
      .filter((c) => c.command.writes === true)
      .map((c) => c.name);
    for (const expected of [
      'flags create',
      'flags toggle',
      'flags rollout',
      'flags delete',
      'segments create',
      'envs set',
      'filters set',
      'projects create',
      'tokens revoke',
      'import',
    ])
      assert.ok(writes.includes(expected), `${expected} takes --comment`);
    for (const name of writes) {
      const help = await inProcess([...name.split(' '), '--help']);
      assert.equal(help.code, 0, name);
      assert.match(help.out, /\[--comment <text>\]/, name);
    }
    for (const read of ['flags list', 'flags get', 'audit', 'network', 'export']) {
      assert.ok(!writes.includes(read), `${read} only reads`);
      const refused = await inProcess([...read.split(' '), '--comment', 'x']);
      assert.equal(refused.code, 2, read);
      assert.match(refused.err, /unknown option --comment/, read);
    }
  });

  test('a comment with a line break or past 500 characters is a usage error', async () => {
    for (const [comment, message] of [
      ['one\ntwo', /one paragraph of plain text/],
      ['x'.repeat(501), /501 characters long; at most 500/],
    ] as const) {
      const result = await inProcess([
        'flags',
        'toggle',
        'f',
        '--env',
        'e',
        '--comment',
        comment,
        '--url',
        'http://127.0.0.1:9',
        '--token',
        't',
      ]);
      assert.equal(result.code, 2);
      assert.match(result.err, message);
    }
  });

  describe('against vexil start', () => {
    let data: Awaited<ReturnType<typeof tempDir>>;
    let server: ServerProcess | undefined;
    const vexil = (...args: string[]) => runCli(args, server!.clientEnv);
    const latest = async (flag: string): Promise<Entry> =>
      json(await vexil('audit', '--flag', flag, '--limit', '1', '--json')).items[0];

    before(async () => {
      data = await tempDir();
      server = await startServer(data.path);
    });
    after(async () => {
      killServer(server);
      await data.remove();
    });

    test('create, toggle, rollout and delete keep their comments in the audit log', async () => {
      const steps: [string[], string, string][] = [
        [['flags', 'create', 'commented'], 'flag.create', 'For the checkout test'],
        [
          ['flags', 'toggle', 'commented', '--env', 'production', '--on'],
          'flag.update',
          'Turn on für die Beta — ticket #42 ✓ (100% sure)',
        ],
        [
          ['flags', 'rollout', 'commented', '--env', 'production', '--weights', '20,80'],
          'flag.update',
          'Ramp to 20%',
        ],
      ];
      for (const [args, action, comment] of steps) {
        const result = await vexil(...args, '--comment', comment);
        assert.equal(result.code, 0, result.stderr);
        const entry = await latest('commented');
        assert.equal(entry.action, action, args.join(' '));
        assert.equal(entry.comment, comment, args.join(' '));
      }
      const table = await vexil('audit', '--flag', 'commented', '--limit', '1');
      assert.match(table.stdout, /^TIME\s+ACTOR\s+ACTION\s+RESOURCE\s+WHERE\s+CHANGES\s+COMMENT$/m);
      assert.match(table.stdout, /Ramp to 20%$/m);

      const plain = await vexil('flags', 'toggle', 'commented', '--env', 'production', '--off');
      assert.equal(plain.code, 0, plain.stderr);
      assert.equal('comment' in (await latest('commented')), false);

      const removed = await vexil('flags', 'delete', 'commented', '--comment', 'Rolled out');
      assert.equal(removed.code, 0, removed.stderr);
      assert.equal((await latest('commented')).comment, 'Rolled out');
    });

    test('the comment goes with the write only: a failed write says what the API said', async () => {
      const missing = await vexil('flags', 'delete', 'no-such-flag', '--comment', 'cleanup');
      assert.equal(missing.code, 1);
      assert.match(failureLine(missing), /no-such-flag/);
    });
  });
});
