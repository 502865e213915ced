import type { NatsCredentials } from '@vexil/bus/nats';
import { usageError } from '../cli-error.js';
import type { Raw } from '../server/config-checks.js';
import { url, type Source } from './role-config.js';
import { readCertificateKeyPair, readCertificates, readOptionFile } from '../server/tls-files.js';

// How `vexil origin` and `vexil edge` reach NATS: the servers, TLS (a private CA, a client
// certificate) and one way to authenticate (user and password, a token, an nkey, a .creds
// file). The bus library takes these as text; the files are read here, once.

export const BUS_CONNECTION_OPTIONS = [
  'bus-ca',
  'bus-cert',
  'bus-key',
  'bus-user',
  'bus-nkey',
  'bus-creds',
] as const;

export const BUS_CONNECTION_HELP = `--bus-ca, VEXIL_BUS_CA        PEM CA file that signed the NATS servers' certificates (tls:// URLs;
                                without it, the system's CAs and NODE_EXTRA_CA_CERTS)
  --bus-cert, --bus-key         client certificate and key for NATS (TLS verify: true);
                                VEXIL_BUS_CERT, VEXIL_BUS_KEY
  --bus-user, VEXIL_BUS_USER    NATS user, with the password in VEXIL_BUS_PASSWORD (or in the URL:
                                nats://user:password@host:4222; nats://token@host for a token)
  --bus-nkey, VEXIL_BUS_NKEY    file holding the user's nkey seed (SU...)
  --bus-creds, VEXIL_BUS_CREDS  .creds file (user JWT and seed, as nsc writes it)`;

export interface BusConnection {
  /** Without user information: credentials in a URL go to `credentials`, not into logs. */
  readonly servers: readonly string[];
  readonly credentials?: NatsCredentials;
  /** The option or variable `credentials` came from, for messages. */
  readonly credentialsSource?: string;
  /** Present when the connection must use TLS. PEM text. */
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
}

/** The NATS servers (`raw`: --bus or VEXIL_BUS) and the options that secure the connection. */
export function busConnection(src: Source, raw: Raw): BusConnection {
  const servers: string[] = [];
  const inUrl: { user: string; pass: string }[] = [];
  for (const value of raw.value.split(',').map((s) => s.trim())) {
    url({ value, source: raw.source }, ['nats:', 'tls:'], 'the NATS servers');
    const parsed = new URL(value);
    if (parsed.username === '' && parsed.password === '') {
      servers.push(value);
      continue;
    }
    inUrl.push({
      user: decodeURIComponent(parsed.username),
      pass: decodeURIComponent(parsed.password),
    });
    parsed.username = '';
    parsed.password = '';
    servers.push(parsed.toString());
  }
  const found: { source: string; credentials: NatsCredentials }[] = [];
  if (inUrl.length > 0) {
    const first = inUrl[0]!;
    if (inUrl.some((c) => c.user !== first.user || c.pass !== first.pass))
      throw usageError(`${raw.source}: every NATS URL must carry the same user and password`);
    // NATS's own convention: a user without a password in a URL is a token.
    found.push({
      source: `${raw.source} (user in the URL)`,
      credentials:
        first.pass === '' ? { token: first.user } : { user: first.user, pass: first.pass },
    });
  }
  const user = src.raw('bus-user', 'VEXIL_BUS_USER');
  const password = src.secret('VEXIL_BUS_PASSWORD');
  if (user !== undefined) {
    if (password === undefined || password === '')
      throw usageError(`${user.source} needs the user's password in VEXIL_BUS_PASSWORD`);
    found.push({ source: user.source, credentials: { user: user.value, pass: password } });
  } else if (password !== undefined && password !== '') {
    throw usageError(
      'VEXIL_BUS_PASSWORD needs the user it belongs to: --bus-user or VEXIL_BUS_USER',
    );
  }
  const nkey = src.raw('bus-nkey', 'VEXIL_BUS_NKEY');
  if (nkey !== undefined)
    found.push({
      source: nkey.source,
      credentials: { nkeySeed: readOptionFile(nkey, 'the NATS nkey seed') },
    });
  const creds = src.raw('bus-creds', 'VEXIL_BUS_CREDS');
  if (creds !== undefined)
    found.push({
      source: creds.source,
      credentials: { creds: readOptionFile(creds, 'the NATS credentials') },
    });
  if (found.length > 1)
    throw usageError(
      `choose one way to authenticate to NATS, not ${found.map((f) => f.source).join(' and ')}`,
    );
  const tls = busTls(src, servers);
  return {
    servers,
    ...(found[0] === undefined
      ? {}
      : { credentials: found[0].credentials, credentialsSource: found[0].source }),
    ...(tls === undefined ? {} : { tls }),
  };
}

function busTls(src: Source, servers: readonly string[]): BusConnection['tls'] {
  const caRaw = src.raw('bus-ca', 'VEXIL_BUS_CA');
  const pair = readCertificateKeyPair(
    src.raw('bus-cert', 'VEXIL_BUS_CERT'),
    src.raw('bus-key', 'VEXIL_BUS_KEY'),
    'the client certificate to NATS',
  );
  const ca = caRaw === undefined ? undefined : readCertificates(caRaw, 'the CA of NATS');
  if (ca === undefined && pair === undefined && !servers.some((s) => s.startsWith('tls:')))
    return undefined;
  return {
    ...(ca === undefined ? {} : { ca }),
    ...(pair === undefined ? {} : { cert: pair.cert, key: pair.key }),
  };
}
