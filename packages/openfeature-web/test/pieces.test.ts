import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VexilWebProvider, VexilWebProviderError } from '@vexil/openfeature-web';
import { Backoff, MAX_RETRY_AFTER_MS, retryAfterMs, STABLE_CONNECTION_MS } from '../src/backoff.js';
import { parseDelete, parseFlagMap, parsePatch } from '../src/evaluated-flags.js';
import { FlagCache, STORED_CHARACTERS } from '../src/flag-cache.js';
import { HeldFlags } from '../src/held-flags.js';
import { failureOf } from '../src/stream-failure.js';
import { MapStorage } from './support/map-storage.js';

// The provider's pieces that no server can be made to exercise on demand: version ordering of
// patches, reconnect delays, storage that is full or failing, and the answers an edge gives
// only under load (429, 503 with Retry-After).

const silent = { error() {}, warn() {}, info() {}, debug() {} };
const result = (version: number, value: string, variation = 0) => ({
  version,
  value,
  variation,
  reason: { kind: 'FALLTHROUGH' },
});

describe('evaluated flags', () => {
  test('a put leaves out results of the wrong shape and keeps the others', () => {
    const put = parseFlagMap(
      JSON.stringify({ a: result(3, 'x'), b: { value: 1 }, c: { version: 3, variation: 'zero' } }),
    );
    assert.deepEqual([...put!.flags.keys()], ['a']);
    assert.deepEqual(put!.skipped, ['b', 'c']);
    assert.equal(parseFlagMap('[1]'), undefined);
    assert.equal(parseFlagMap('{'), undefined);
    assert.equal(parsePatch('{"version":3}'), undefined);
    assert.deepEqual(parseDelete('{"key":"a","version":4}'), { key: 'a', version: 4 });
  });

  test('patches and deletes apply only above the version held, deleted keys included', () => {
    const held = new HeldFlags(new Map([['a', result(5, 'x')]]));
    assert.deepEqual(held.upsert('a', result(5, 'y', 1)), { applied: false, changed: false });
    assert.deepEqual(held.upsert('a', result(6, 'x')), { applied: true, changed: false });
    assert.deepEqual(held.upsert('a', result(7, 'y', 1)), { applied: true, changed: true });
    assert.deepEqual(held.remove('a', 7), { applied: false, changed: false });
    assert.deepEqual(held.remove('a', 8), { applied: true, changed: true });
    // The tombstone keeps a late patch from bringing the flag back.
    assert.deepEqual(held.upsert('a', result(8, 'z')), { applied: false, changed: false });
    assert.equal(held.get('a'), undefined);
    assert.deepEqual(held.upsert('a', result(9, 'z')), { applied: true, changed: true });
  });

  test('a new put differs by value, variation or reason, not by version', () => {
    const before = new HeldFlags(
      new Map([
        ['same', result(1, 'x')],
        ['value', result(1, 'x')],
        ['gone', result(1, 'x')],
      ]),
    );
    const after = new HeldFlags(
      new Map([
        ['same', result(9, 'x')],
        ['value', result(9, 'y', 1)],
        ['new', result(9, 'x')],
      ]),
    );
    assert.deepEqual(before.changedIn(after), ['value', 'gone', 'new']);
  });
});

describe('reconnect delays', () => {
  test('double from the first delay up to the ceiling, jittered down by up to half', () => {
    const full = new Backoff(500, 4_000, () => 0);
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map(() => full.next(0)),
      [500, 1_000, 2_000, 4_000, 4_000, 4_000],
    );
    const halved = new Backoff(500, 4_000, () => 1);
    assert.deepEqual([halved.next(0), halved.next(0)], [250, 500]);
  });

  test('start over after a connection that stayed up for a minute', () => {
    const backoff = new Backoff(500, 30_000, () => 0);
    backoff.next(0);
    backoff.next(0);
    backoff.connected(1_000);
    assert.equal(backoff.next(1_000 + STABLE_CONNECTION_MS - 1), 2_000);
    backoff.connected(10_000);
    assert.equal(backoff.next(10_000 + STABLE_CONNECTION_MS), 500);
  });

  test('Retry-After is a floor, within reason', () => {
    const backoff = new Backoff(500, 30_000, () => 0);
    assert.equal(backoff.next(0, 7_000), 7_000);
    assert.equal(backoff.next(0, 10), 1_000);
    assert.equal(backoff.next(0, 24 * 3_600_000), MAX_RETRY_AFTER_MS);
    assert.equal(retryAfterMs('7', 0), 7_000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:03 GMT', now), 3_000);
    assert.equal(retryAfterMs('soon', now), undefined);
    assert.equal(retryAfterMs(null, now), undefined);
  });
});

describe('what an edge answers', () => {
  const where = { baseUrl: 'https://flags.example', clientSideId: 'abc' };
  const answer = (status: number, body: object, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers });

  test('401 and 404 are an unknown client-side ID; 400 refuses the context', async () => {
    for (const status of [401, 404]) {
      const failure = await failureOf(answer(status, { code: 'NOT_FOUND', message: 'no' }), where);
      assert.equal(failure.kind, 'unknown-id');
      assert.match(failure.message, /client-side ID "abc" is unknown to https:\/\/flags.example/);
    }
    const hash = await failureOf(answer(400, { code: 'SECURE_MODE_HASH', message: 'h' }), where);
    assert.deepEqual(
      [hash.kind, hash.kind === 'rejected' && hash.code],
      ['rejected', 'SECURE_MODE_HASH'],
    );
    const context = await failureOf(answer(400, { code: 'BAD_REQUEST', message: 'key' }), where);
    assert.match(context.message, /refused the stream for this context \(HTTP 400: key\)/);
  });

  test('429 and 503 are retried, after their Retry-After', async () => {
    const busy = await failureOf(answer(503, {}, { 'retry-after': '3' }), where);
    assert.deepEqual(busy, {
      kind: 'transient',
      message: 'https://flags.example cannot serve the stream now (HTTP 503)',
      retryAfterMs: 3_000,
    });
    assert.equal((await failureOf(answer(429, {}), where)).kind, 'transient');
  });
});

describe('stored values', () => {
  const flags = (n: number) =>
    new Map(Array.from({ length: n }, (_, i) => [`flag-${i}`, result(1, 'x'.repeat(100))]));

  test('a context too big for the bound is not stored, and the others stay', () => {
    const storage = new MapStorage();
    const cache = new FlagCache(storage, 'env', silent);
    cache.write('small', flags(2));
    cache.write('huge', flags(Math.ceil(STORED_CHARACTERS / 100)));
    assert.deepEqual(storage.contexts('env'), ['small']);
    assert.equal(cache.read('huge'), undefined);
    assert.equal(cache.read('small')?.size, 2);
  });

  test('a full storage drops the oldest contexts first; a failing one costs only the offline start', () => {
    const storage = new MapStorage();
    const cache = new FlagCache(storage, 'env', silent);
    for (const key of ['a', 'b', 'c']) cache.write(key, flags(5));
    const quota = storage.items.get('vexil:flags:env')!.length;
    const setItem = storage.setItem.bind(storage);
    storage.setItem = (key, value) => {
      if (value.length > quota) throw new Error('QuotaExceededError');
      setItem(key, value);
    };
    cache.write('d', flags(5));
    assert.deepEqual(storage.contexts('env'), ['d', 'c', 'b']);

    storage.getItem = () => {
      throw new Error('SecurityError');
    };
    assert.equal(cache.read('d'), undefined);
    assert.doesNotThrow(() => cache.write('e', flags(1)));
  });
});

describe('options', () => {
  test('a bad option is an INVALID_OPTIONS error that names it', () => {
    const base = { clientSideId: '0123456789abcdef01234567', baseUrl: 'https://flags.example' };
    const cases: [object, RegExp][] = [
      [{ ...base, clientSideId: '' }, /clientSideId/],
      [{ ...base, baseUrl: 'flags.example' }, /baseUrl must be an absolute http\(s\) URL/],
      [{ ...base, baseUrl: 'ftp://flags.example' }, /baseUrl must be http or https/],
      [{ ...base, staleAfterMs: 0 }, /staleAfterMs/],
      [{ ...base, retryMinMs: 1_000, retryMaxMs: 10 }, /retryMaxMs must not be below retryMinMs/],
      [{ ...base, storage: {} }, /storage must have getItem/],
      [{ ...base, hash: 42 }, /hash must be/],
    ];
    for (const [options, message] of cases) {
      assert.throws(
        () => new VexilWebProvider(options as ConstructorParameters<typeof VexilWebProvider>[0]),
        (e) =>
          e instanceof VexilWebProviderError &&
          e.code === 'INVALID_OPTIONS' &&
          message.test(e.message),
      );
    }
    assert.doesNotThrow(() => new VexilWebProvider({ ...base, storage: false }));
  });
});
