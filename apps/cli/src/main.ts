#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { enableCompileCache } from 'node:module';

// The executable: the one place that reads process.argv, process.env and the working
// directory, and hands them to runCli.
//
// Node's compile cache (in the system's temporary directory) keeps the compiled code of every
// module loaded: a process starts in about half the time the second time, which is what an edge
// restarted under a reconnect storm, with a process per worker, waits for. The CLI is imported
// after enabling it, so that it is cached too.
enableCompileCache();
const { runCli } = await import('./cli.js');
const { processIo } = await import('./io.js');

const manifest = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as { version: string };

process.exitCode = await runCli(process.argv.slice(2), {
  io: processIo,
  env: process.env,
  cwd: process.cwd(),
  version: manifest.version,
});
