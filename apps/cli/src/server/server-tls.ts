import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import type { Server } from 'node:http';
import { dirname } from 'node:path';
import type { Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import type { Raw } from './config-checks.js';
import { pairMismatch, readCertificateKeyPair, type CertificateKeyPair } from './tls-files.js';

// HTTPS on a role's port (`--tls-cert`, `--tls-key`): the same server, front door and handlers
// as plain HTTP, on decrypted sockets (createPortServer in port-front-door.ts). The certificate
// is reloaded when its files change (a renewal by cert-manager or certbot), without a restart and
// without dropping connections: new handshakes use the new pair, open connections keep theirs.

export const SERVER_TLS_OPTIONS = ['tls-cert', 'tls-key'] as const;

export const SERVER_TLS_HELP = `--tls-cert, --tls-key         serve HTTPS with this PEM certificate (chain) and key, reloaded
                                when the files change; VEXIL_TLS_CERT, VEXIL_TLS_KEY`;

/** The port's certificate and key as read at start (`ServeConfig.tls`). */
export type ServerTls = CertificateKeyPair;

export function serverTls(cert: Raw | undefined, key: Raw | undefined): ServerTls | undefined {
  return readCertificateKeyPair(cert, key, 'HTTPS');
}

export function urlScheme(tls: ServerTls | undefined): 'http' | 'https' {
  return tls === undefined ? 'http' : 'https';
}

export interface CertificateWatchOptions {
  /** Checked this often even without a file-system event (network file systems send none). */
  readonly pollMs: number;
  /** After an event, wait this long for the other file of the pair to be written too. */
  readonly settleMs: number;
}

const DEFAULT_WATCH: CertificateWatchOptions = { pollMs: 10_000, settleMs: 200 };

/**
 * Watches the certificate and key files of an HTTPS server and puts a changed pair in place with
 * `setSecureContext`. A pair that cannot serve (a half-written file, a key of another
 * certificate) is logged and the current one kept; it is tried again at the next change. Returns
 * the function that stops watching. Directories are watched rather than the files: renewals
 * replace files (a rename, or Kubernetes' swap of a symbolic link), which a watch on the old file
 * would not see.
 */
export function watchServerTls(
  server: Server,
  tls: ServerTls,
  logger: Logger,
  options: CertificateWatchOptions = DEFAULT_WATCH,
): () => void {
  const files = { certFile: tls.certFile, keyFile: tls.keyFile };
  let current = digest(tls.cert, tls.key);
  let refused: string | undefined;
  let settle: NodeJS.Timeout | undefined;

  const check = () => {
    let cert: string;
    let key: string;
    try {
      cert = readFileSync(tls.certFile, 'utf8');
      key = readFileSync(tls.keyFile, 'utf8');
    } catch (err) {
      logger.error(
        { ...files, err },
        'cannot read the TLS certificate files; keeping the current ones',
      );
      return;
    }
    const id = digest(cert, key);
    if (id === current || id === refused) return;
    const mismatch = pairMismatch({ cert, key });
    if (mismatch !== undefined) {
      refused = id;
      logger.error(
        { ...files, reason: mismatch },
        'the new TLS certificate and key cannot be used together; keeping the current ones',
      );
      return;
    }
    (server as unknown as TlsServer).setSecureContext({ cert, key });
    current = id;
    refused = undefined;
    logger.info({ ...files, ...describe(cert) }, 'reloaded the TLS certificate');
  };

  const changed = () => {
    clearTimeout(settle);
    settle = setTimeout(check, options.settleMs);
    settle.unref();
  };
  const watchers: FSWatcher[] = [];
  for (const dir of new Set([dirname(tls.certFile), dirname(tls.keyFile)])) {
    try {
      watchers.push(watch(dir, { persistent: false }, changed).on('error', () => undefined));
    } catch (err) {
      logger.warn(
        { dir, err },
        `cannot watch ${dir}; checking the TLS files every ${options.pollMs} ms`,
      );
    }
  }
  const poll = setInterval(check, options.pollMs);
  poll.unref();
  return () => {
    clearInterval(poll);
    clearTimeout(settle);
    for (const w of watchers) w.close();
  };
}

function digest(cert: string, key: string): string {
  return createHash('sha256').update(cert).update('\0').update(key).digest('hex');
}

function describe(cert: string): { subject?: string; validTo?: string } {
  try {
    const x509 = new X509Certificate(cert);
    return { subject: x509.subject, validTo: x509.validTo };
  } catch {
    return {};
  }
}
