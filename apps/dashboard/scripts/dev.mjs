#!/usr/bin/env node
// A Vite dev server with hot reload for working on the dashboard; /api goes to a running
// Vexil (VEXIL_URL, default http://127.0.0.1:8080, e.g. from `npm start`).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { createServer } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = process.env.VEXIL_URL ?? 'http://127.0.0.1:8080';
const server = await createServer({
  root,
  configFile: false,
  plugins: [react()],
  server: { host: '127.0.0.1', port: 5173, proxy: { '/api': { target, changeOrigin: true } } },
});
await server.listen();
server.printUrls();
console.log(`  /api -> ${target}`);
