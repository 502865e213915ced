import { formatFields, type Field } from '../table.js';
import type { AdminToken } from './admin-token.js';
import type { DemoKeys } from './demo-project.js';

export interface BannerInfo {
  readonly version: string;
  readonly url: string;
  readonly dataDir: string;
  readonly adminTokenFile: string;
  readonly admin: AdminToken;
  readonly demo: DemoKeys | undefined;
}

/** The base URL to print: a wildcard listen address is reached through loopback. */
export function displayUrl(host: string, port: number, scheme: 'http' | 'https' = 'http'): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `${scheme}://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/**
 * What `vexil start` prints on stdout before its logs: where to point a browser, the CLI and
 * SDKs. A token given in VEXIL_ADMIN_TOKEN is not echoed (the operator has it, and stdout often
 * ends up in a log store); a generated one is, since the file is the only other place it lives.
 */
export function formatBanner(info: BannerInfo): string {
  const token =
    info.admin.source === 'env'
      ? `${info.admin.token.slice(0, 4)}…${info.admin.token.slice(-4)} (from VEXIL_ADMIN_TOKEN)`
      : `${info.admin.token} (kept in ${info.adminTokenFile})`;
  const server: Field[] = [
    ['URL', info.url],
    ['REST API', `${info.url}/api/v1`],
    ['OpenAPI', `${info.url}/api/v1/openapi.json`],
    ['Admin token', token],
    ['Data', info.dataDir],
  ];
  const demo: Field[] =
    info.demo === undefined
      ? []
      : [
          ['SDK key', info.demo.sdkKey],
          ['Mobile key', info.demo.mobileKey],
          ['Client-side ID', info.demo.clientSideId],
        ];
  const width = Math.max(...[...server, ...demo].map(([label]) => label.length));
  const demoBlock =
    info.demo === undefined
      ? ''
      : `\nDemo project "${info.demo.projectKey}", environment "${info.demo.environmentKey}":\n${indent(formatFields(demo, width))}`;
  const tokenForCli = info.admin.source === 'env' ? '$VEXIL_ADMIN_TOKEN' : info.admin.token;
  return [
    `Vexil ${info.version} is running\n\n`,
    indent(formatFields(server, width)),
    demoBlock,
    `\nTry: VEXIL_URL=${info.url} VEXIL_TOKEN=${tokenForCli} npx vexil flags list\n\n`,
  ].join('');
}

function indent(text: string): string {
  return text.replace(/^(?=.)/gm, '  ');
}
