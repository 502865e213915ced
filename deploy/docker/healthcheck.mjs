// The image's HEALTHCHECK: GET /healthz on this container's own server; exit 0 on a 200.
// The port is VEXIL_PORT when set, else the role's default (8080 for origin and start, 8030 for
// edge), so both are tried. /healthz means "alive"; readiness (/readyz) is the orchestrator's.
import { get } from 'node:http';

const TIMEOUT_MS = 2000;
const wildcard = new Set(['', '0.0.0.0', '::', '[::]']);
const configuredHost = process.env.VEXIL_HOST ?? '';
const host = wildcard.has(configuredHost) ? '127.0.0.1' : configuredHost.replace(/^\[|\]$/g, '');
const ports = process.env.VEXIL_PORT ? [Number(process.env.VEXIL_PORT)] : [8080, 8030];

function healthy(port) {
  return new Promise((resolve) => {
    const req = get({ host, port, path: '/healthz', timeout: TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

const results = await Promise.all(ports.map(healthy));
process.exit(results.includes(true) ? 0 : 1);
