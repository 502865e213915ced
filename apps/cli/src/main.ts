#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { runCli } from './cli.js';
import { processIo } from './io.js';

// The executable: the one place that reads process.argv, process.env and the working
// directory, and hands them to runCli.

const manifest = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as { version: string };

process.exitCode = await runCli(process.argv.slice(2), {
  io: processIo,
  env: process.env,
  cwd: process.cwd(),
  version: manifest.version,
});
