import {
  credsAuthenticator,
  errors,
  nkeyAuthenticator,
  nkeys,
  type ConnectionOptions,
} from '@nats-io/transport-node';
import { BusError } from '../errors.js';

// How the bus proves who it is to NATS, and how it tells an operator why NATS would not have
// it. Secrets arrive as text (the caller reads the files once, at start) and are checked here
// when the bus is created, so that a damaged file fails at start rather than at every connect.

/**
 * One way to authenticate: a token, a user and password, an nkey (the seed, `SU...`), or a
 * credentials file's text (a user JWT and its seed, as `nsc` writes `.creds` files).
 */
export type NatsCredentials =
  | { readonly token: string }
  | { readonly user: string; readonly pass: string }
  | { readonly nkeySeed: string }
  | { readonly creds: string };

type AuthOptions = Pick<ConnectionOptions, 'token' | 'user' | 'pass' | 'authenticator'>;

/** The NATS client's options for `credentials`; a seed or creds file that cannot be used throws. */
export function connectionAuth(credentials: NatsCredentials | undefined): AuthOptions {
  if (credentials === undefined) return {};
  if ('token' in credentials) return { token: credentials.token };
  if ('user' in credentials) return { user: credentials.user, pass: credentials.pass };
  if ('nkeySeed' in credentials) {
    const seed = new TextEncoder().encode(credentials.nkeySeed.trim());
    checkSeed(seed, 'the nkey seed');
    return { authenticator: nkeyAuthenticator(seed) };
  }
  const creds = new TextEncoder().encode(credentials.creds);
  const blocks = [...credentials.creds.matchAll(CREDS_BLOCK)].map((m) => m[1]!.trim());
  if (blocks.length < 2)
    invalid(
      'the credentials file must hold a user JWT and its nkey seed, each between "-----BEGIN ...-----" and "------END ...------" lines, as nsc writes .creds files',
    );
  checkSeed(new TextEncoder().encode(blocks[1]), 'the seed in the credentials file');
  return { authenticator: credsAuthenticator(creds) };
}

/** Throws BusError INVALID_OPTIONS when `credentials` cannot be used (a seed that is none). */
export function checkNatsCredentials(credentials: NatsCredentials): void {
  connectionAuth(credentials);
}

/** The blocks of a .creds file, as the NATS client reads them: the JWT, then the seed. */
const CREDS_BLOCK = /\s*(?:-{3,}[^\n]*-{3,}\n)(.+)(?:\n\s*-{3,}[^\n]*-{3,}\n)/g;

function checkSeed(seed: Uint8Array, what: string): void {
  try {
    nkeys.fromSeed(seed);
  } catch (err) {
    invalid(
      `${what} is not valid: an nkey seed is one line of 58 characters starting with "SU" (nsc writes it to a .nk file)`,
      err,
    );
  }
}

function invalid(message: string, cause?: unknown): never {
  throw new BusError('INVALID_OPTIONS', message, cause === undefined ? {} : { cause });
}

/** Certificate checks a client does on the server's chain and name. */
const UNTRUSTED_CERTIFICATE = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Why a connection attempt failed, in words an operator can act on. The NATS client reports a
 * server that wants a client certificate it was not given only as a timeout: with TLS 1.3 the
 * server checks the client's certificate after the client's side of the handshake is done, and
 * closes the connection without a word.
 */
export function describeConnectFailure(err: unknown, clientCertificate: boolean): string {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const message = typeof e?.message === 'string' ? e.message.split('; if the root CA')[0]! : '';
  if (err instanceof errors.AuthorizationError || /authorization violation/i.test(message))
    return `NATS refused the credentials (${message || 'authorization violation'})`;
  if (err instanceof errors.UserAuthenticationExpiredError)
    return `NATS refused the credentials: the user JWT has expired (${message})`;
  if (typeof e?.code === 'string' && UNTRUSTED_CERTIFICATE.has(e.code))
    return `the NATS server's TLS certificate is not trusted: ${message} (${e.code}); give the CA that signed it`;
  if (/certificate required|alert certificate/i.test(message))
    return `the NATS server refused the TLS connection: ${message}`;
  if (err instanceof errors.TimeoutError && !clientCertificate)
    return 'NATS did not answer in time; if its TLS block verifies clients (verify: true), it wants a client certificate and key';
  if (err instanceof errors.ConnectionError && /refused/i.test(message))
    return `NATS refused the connection (${message}): no server listens there`;
  return message === '' ? String(err) : message;
}
