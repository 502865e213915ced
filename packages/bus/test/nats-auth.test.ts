import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errors, nkeys } from '@nats-io/transport-node';
import { BusError, checkNatsCredentials } from '@vexil/bus/nats';
import { connectionAuth, describeConnectFailure } from '../src/nats/auth.js';

// How the bus authenticates (nkey seeds and .creds files checked once, when it is created) and
// how it names a failed connection for an operator.

const user = nkeys.createUser();
const seed = new TextDecoder().decode(user.getSeed());
const nonce = 'a-nonce-from-the-server';

function invalid(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof BusError);
    assert.equal(e.code, 'INVALID_OPTIONS');
    assert.match(e.message, message);
    return true;
  });
}

test('an nkey seed signs the server nonce as that user', () => {
  const { authenticator } = connectionAuth({ nkeySeed: `${seed}\n` });
  assert.ok(typeof authenticator === 'function');
  const auth = authenticator(nonce) as { nkey: string; sig: string };
  assert.equal(auth.nkey, user.getPublicKey());
  const signature = nkeys.decode(auth.sig);
  assert.ok(user.verify(new TextEncoder().encode(nonce), signature));
});

test('a .creds file gives the JWT and signs with its seed', () => {
  const jwt = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.c2ln';
  const creds = [
    '-----BEGIN NATS USER JWT-----',
    jwt,
    '------END NATS USER JWT------',
    '',
    '************************* IMPORTANT *************************',
    'NKEY Seed printed below can be used to sign and prove identity.',
    '',
    '-----BEGIN USER NKEY SEED-----',
    seed,
    '------END USER NKEY SEED------',
    '',
  ].join('\n');
  const { authenticator } = connectionAuth({ creds });
  const auth = (authenticator as (n?: string) => { jwt: string; nkey: string })(nonce);
  assert.equal(auth.jwt, jwt);
  assert.equal(auth.nkey, user.getPublicKey());
});

test('a seed or .creds file that cannot be used is refused when the bus is created', () => {
  invalid(() => checkNatsCredentials({ nkeySeed: 'SUnot-a-seed' }), /nkey seed is not valid/);
  invalid(() => checkNatsCredentials({ creds: 'just a token' }), /user JWT and its nkey seed/);
});

test('user and password, and tokens, go to the client as they are', () => {
  assert.deepEqual(connectionAuth({ user: 'origin', pass: 'pw' }), { user: 'origin', pass: 'pw' });
  assert.deepEqual(connectionAuth({ token: 't' }), { token: 't' });
  assert.deepEqual(connectionAuth(undefined), {});
});

test('a failed connection is described by its cause', () => {
  assert.match(
    describeConnectFailure(new errors.AuthorizationError('Authorization Violation'), true),
    /^NATS refused the credentials \(Authorization Violation\)$/,
  );
  const untrusted = Object.assign(
    new Error(
      'unable to verify the first certificate; if the root CA is installed locally, try running Node.js with --use-system-ca',
    ),
    { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
  );
  assert.equal(
    describeConnectFailure(untrusted, true),
    "the NATS server's TLS certificate is not trusted: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE); give the CA that signed it",
  );
  assert.match(
    describeConnectFailure(new errors.TimeoutError(), false),
    /it wants a client certificate and key$/,
  );
  assert.equal(describeConnectFailure(new errors.TimeoutError(), true), 'timeout');
});
