#!/usr/bin/env node
// Builds the dashboard with Vite into dist/web (hashed files under dist/web/assets), unless the
// build is newer than every source: `npm start` and `npm test` run this on every invocation,
// and an up-to-date check costs a few milliseconds. --force rebuilds anyway.
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');
const stamp = join(root, 'dist', 'web-build.stamp');
const inputs = ['index.html', 'package.json', 'src', 'public', 'scripts'].map((p) => join(root, p));

function newest(path) {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(path).reduce(
    (max, name) => Math.max(max, newest(join(path, name))),
    info.mtimeMs,
  );
}

const force = process.argv.includes('--force');
const built =
  existsSync(stamp) && existsSync(join(out, 'index.html')) ? statSync(stamp).mtimeMs : 0;
if (!force && built > Math.max(...inputs.map(newest))) {
  console.log('dashboard: up to date (apps/dashboard/dist/web)');
  process.exit(0);
}

const started = Date.now();
const { build } = await import('vite');
const { default: react } = await import('@vitejs/plugin-react');
await build({
  root,
  configFile: false,
  base: '/',
  logLevel: 'warn',
  plugins: [react()],
  build: {
    outDir: out,
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    // Everything ships from this server: no inlined data: fonts or CDN chunks.
    assetsInlineLimit: 0,
  },
});
writeFileSync(stamp, `${new Date().toISOString()}\n`);
console.log(
  `dashboard: built apps/dashboard/dist/web in ${((Date.now() - started) / 1000).toFixed(1)}s`,
);
