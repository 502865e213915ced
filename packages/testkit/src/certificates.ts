import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { skipOrFail } from './services.js';

// Certificates made at test time with the openssl command: a private CA, a server certificate
// for 127.0.0.1 and localhost, a client certificate, and a second CA that signed none of them
// (the "wrong CA" a misconfigured client trusts). Nothing is checked in, nothing expires between
// runs, and every test file gets its own keys.

export const OPENSSL_BINARY = process.env['VEXIL_TEST_OPENSSL'] ?? '/usr/bin/openssl';

const run = promisify(execFile);

/** Like `natsServerSkip`: a skip message without openssl, a failure under CI=true. */
export function opensslSkip(): string | undefined {
  if (existsSync(OPENSSL_BINARY)) return undefined;
  return skipOrFail(
    `${OPENSSL_BINARY} is not installed (apt-get install openssl, or set VEXIL_TEST_OPENSSL)`,
  );
}

/** PEM files, by path. */
export interface CertificatePair {
  readonly cert: string;
  readonly key: string;
}

export interface TestCertificates {
  /** The directory holding every file; `remove` deletes it. */
  readonly dir: string;
  /** The CA that signed `server` and `client`. */
  readonly ca: string;
  /** For 127.0.0.1 and localhost (server and client authentication). */
  readonly server: CertificatePair;
  /** CN `vexil-client` (client authentication). */
  readonly client: CertificatePair;
  /** A CA that signed nothing here. */
  readonly otherCa: string;
  /** Another certificate for 127.0.0.1 from `ca` (a rotation), made on demand. */
  issueServer(name: string): Promise<CertificatePair>;
  /** A file's text. */
  pem(path: string): string;
  /** A certificate file's serial number, as TLSSocket.getPeerCertificate() gives it. */
  serialOf(path: string): string;
  remove(): Promise<void>;
}

/** Makes the CA, server and client certificates in a fresh temporary directory. */
export async function generateCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'vexil-tls-'));
  const openssl = (...args: string[]) => run(OPENSSL_BINARY, args, { cwd: dir });
  const ca = await makeCa(openssl, dir, 'ca', 'Vexil Test CA');
  const otherCa = await makeCa(openssl, dir, 'other-ca', 'Some Other CA');
  const issue = (name: string, cn: string, extensions: string) =>
    makeLeaf(openssl, dir, { name, cn, extensions, ca: ca.cert, caKey: ca.key });
  const serverExtensions = [
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature, keyEncipherment',
    'extendedKeyUsage = serverAuth, clientAuth',
    'subjectAltName = IP:127.0.0.1, DNS:localhost',
  ].join('\n');
  const [server, client] = await Promise.all([
    issue('server', 'localhost', serverExtensions),
    issue(
      'client',
      'vexil-client',
      [
        'basicConstraints = critical, CA:FALSE',
        'keyUsage = critical, digitalSignature',
        'extendedKeyUsage = clientAuth',
      ].join('\n'),
    ),
  ]);
  return {
    dir,
    ca: ca.cert,
    server,
    client,
    otherCa: otherCa.cert,
    issueServer: (name) => issue(name, 'localhost', serverExtensions),
    pem: (path) => readFileSync(path, 'utf8'),
    serialOf: (path) => serialNumber(new X509Certificate(readFileSync(path)).serialNumber),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Upper-case hex without leading zeros: Node's two APIs differ in the zeros. */
export function serialNumber(hex: string): string {
  return hex.toUpperCase().replace(/^0+(?=.)/, '');
}

type Openssl = (...args: string[]) => Promise<unknown>;

/** P-256 keys: quick to make, and every TLS stack here (Node, Go, OpenSSL) takes them. */
const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

async function makeCa(
  openssl: Openssl,
  dir: string,
  name: string,
  cn: string,
): Promise<CertificatePair> {
  const pair = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`) };
  await openssl(
    'req',
    '-x509',
    ...NEW_KEY,
    '-keyout',
    pair.key,
    '-out',
    pair.cert,
    '-days',
    '2',
    '-subj',
    `/CN=${cn}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  return pair;
}

async function makeLeaf(
  openssl: Openssl,
  dir: string,
  leaf: { name: string; cn: string; extensions: string; ca: string; caKey: string },
): Promise<CertificatePair> {
  const pair = { cert: join(dir, `${leaf.name}.pem`), key: join(dir, `${leaf.name}-key.pem`) };
  const csr = join(dir, `${leaf.name}.csr`);
  const ext = join(dir, `${leaf.name}.ext`);
  await writeFile(ext, `${leaf.extensions}\n`);
  await openssl('req', ...NEW_KEY, '-keyout', pair.key, '-out', csr, '-subj', `/CN=${leaf.cn}`);
  // A random serial each: a rotated certificate must differ from the one it replaces.
  await openssl(
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    leaf.ca,
    '-CAkey',
    leaf.caKey,
    '-set_serial',
    `0x${Math.floor(Math.random() * 2 ** 48).toString(16)}`,
    '-days',
    '2',
    '-extfile',
    ext,
    '-out',
    pair.cert,
  );
  return pair;
}
