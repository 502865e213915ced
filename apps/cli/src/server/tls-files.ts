import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { usageError } from '../cli-error.js';
import type { Raw } from './config-checks.js';

// Certificates, keys and credentials named by options are read once, at start, and checked
// there: a file that is missing, unreadable or not what its option says is a usage error naming
// the option, not a failed handshake minutes later.

/** A file's text; a usage error naming `raw.source` when it cannot be read or is empty. */
export function readOptionFile(raw: Raw, what: string): string {
  let text: string;
  try {
    text = readFileSync(raw.value, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'a directory'
            : code;
    throw usageError(`${raw.source}: cannot read ${what} "${raw.value}" (${why})`);
  }
  if (text.trim() === '') throw usageError(`${raw.source}: ${what} "${raw.value}" is empty`);
  return text;
}

/** PEM certificates (one, or a CA bundle). */
export function readCertificates(raw: Raw, what: string): string {
  const text = readOptionFile(raw, what);
  try {
    new X509Certificate(text);
  } catch {
    throw usageError(
      `${raw.source}: "${raw.value}" is not a PEM certificate (-----BEGIN CERTIFICATE-----) for ${what}`,
    );
  }
  return text;
}

export function readPrivateKey(raw: Raw, what: string): string {
  const text = readOptionFile(raw, what);
  try {
    createPrivateKey(text);
  } catch {
    throw usageError(
      `${raw.source}: "${raw.value}" is not an unencrypted PEM private key for ${what}`,
    );
  }
  return text;
}

/** A certificate and its key, as PEM text; the files they came from. */
export interface CertificateKeyPair {
  readonly cert: string;
  readonly key: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * `--x-cert` with `--x-key`: both or neither, and the key must be the certificate's. Returns
 * undefined when neither is given.
 */
export function readCertificateKeyPair(
  cert: Raw | undefined,
  key: Raw | undefined,
  what: string,
): CertificateKeyPair | undefined {
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined) {
    const given = (cert ?? key)!.source;
    throw usageError(
      `${given} needs its pair: a certificate and its private key, both as PEM files, for ${what}`,
    );
  }
  const pair = {
    cert: readCertificates(cert, what),
    key: readPrivateKey(key, what),
    certFile: cert.value,
    keyFile: key.value,
  };
  const mismatch = pairMismatch(pair);
  if (mismatch !== undefined)
    throw usageError(`${key.source} "${key.value}" is not the key of ${cert.source}: ${mismatch}`);
  return pair;
}

/** Why `cert` and `key` cannot serve together (the key is not the certificate's), if so. */
export function pairMismatch(pair: { cert: string; key: string }): string | undefined {
  try {
    createSecureContext({ cert: pair.cert, key: pair.key });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
