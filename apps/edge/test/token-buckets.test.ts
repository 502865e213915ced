import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseProxyBlock, TokenBuckets } from '@vexil/edge';
import { clientAddress, TrustedProxies } from '../src/limits/client-address.js';

// The rate limits' parts on a fake clock: token buckets (refill, waits, bounded memory) and the
// client address (peer, or X-Forwarded-For behind trusted proxies).

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('token buckets', () => {
  test('a burst at once, then the rate; the wait says when the next token is there', () => {
    const c = clock();
    const buckets = new TokenBuckets({ perSecond: 4, burst: 3 }, c.now, 100);
    assert.deepEqual(
      [1, 2, 3].map(() => buckets.take('a')),
      [0, 0, 0],
    );
    assert.equal(buckets.take('a'), 250);
    assert.equal(buckets.wait('a'), 250);
    c.advance(100);
    assert.equal(buckets.wait('a'), 150);
    c.advance(150);
    assert.equal(buckets.wait('a'), 0);
    assert.equal(buckets.take('a'), 0);
    assert.equal(buckets.take('a'), 250);
    // Refill stops at the burst, however long the key was quiet.
    c.advance(60_000);
    assert.deepEqual(
      [1, 2, 3, 4].map(() => buckets.take('a')),
      [0, 0, 0, 250],
    );
  });

  test('keys are independent; wait creates no bucket', () => {
    const c = clock();
    const buckets = new TokenBuckets({ perSecond: 1, burst: 1 }, c.now, 100);
    assert.equal(buckets.take('a'), 0);
    assert.equal(buckets.take('a'), 1000);
    assert.equal(buckets.wait('b'), 0);
    assert.equal(buckets.size, 1);
    assert.equal(buckets.take('b'), 0);
  });

  test('a clock set back gives no tokens and takes none', () => {
    const c = clock();
    const buckets = new TokenBuckets({ perSecond: 1, burst: 2 }, c.now, 100);
    buckets.take('a');
    buckets.take('a');
    c.advance(-5_000);
    assert.equal(buckets.take('a'), 1000);
    c.advance(1_000);
    assert.equal(buckets.take('a'), 0);
  });

  test('buckets that refilled completely are dropped as new keys arrive', () => {
    const c = clock();
    const buckets = new TokenBuckets({ perSecond: 10, burst: 5 }, c.now, 1_000);
    for (let i = 0; i < 100; i++) {
      buckets.take(`client-${i}`);
      c.advance(10);
    }
    // A bucket is full again 100 ms after its one request: about the last ten keys remain.
    assert.ok(buckets.size <= 12, `${buckets.size} buckets held`);
    assert.ok(buckets.size >= 10, `${buckets.size} buckets held`);
  });

  test('at maxKeys the least recently used bucket goes, even when not full', () => {
    const c = clock();
    const buckets = new TokenBuckets({ perSecond: 1, burst: 1 }, c.now, 3);
    for (const key of ['a', 'b', 'c']) assert.equal(buckets.take(key), 0);
    assert.equal(buckets.take('a'), 1000);
    buckets.take('d');
    assert.equal(buckets.size, 3);
    // `b` was used least recently: forgotten, so it starts full again; `a` is still limited.
    assert.equal(buckets.take('b'), 0);
    assert.equal(buckets.take('a'), 1000);
  });

  test('a rate that is none is refused', () => {
    const c = clock();
    assert.throws(() => new TokenBuckets({ perSecond: 0, burst: 1 }, c.now, 1), RangeError);
    assert.throws(() => new TokenBuckets({ perSecond: 1, burst: 0.5 }, c.now, 1), RangeError);
    assert.throws(() => new TokenBuckets({ perSecond: 1, burst: 1 }, c.now, 0), RangeError);
  });
});

describe('client address', () => {
  const trusted = new TrustedProxies(
    ['10.0.0.0/8', '127.0.0.1', 'fd00::/8'].map((b) => parseProxyBlock(b)!),
  );
  const none = new TrustedProxies([]);

  test('proxy blocks: addresses and CIDRs of both families; anything else is none', () => {
    assert.deepEqual(parseProxyBlock('10.0.0.0/8'), {
      address: '10.0.0.0',
      prefix: 8,
      family: 'ipv4',
    });
    assert.deepEqual(parseProxyBlock(' ::1 '), { address: '::1', prefix: 128, family: 'ipv6' });
    for (const bad of ['', 'proxy.local', '10.0.0.0/33', '::/129', '10.0.0.0/8/1', '10.0.0.0/x'])
      assert.equal(parseProxyBlock(bad), undefined, bad);
  });

  test('without trusted proxies the peer counts, whatever X-Forwarded-For says', () => {
    assert.equal(clientAddress('127.0.0.1', '203.0.113.9', none), '127.0.0.1');
    assert.equal(clientAddress('::ffff:192.0.2.7', undefined, none), '192.0.2.7');
  });

  test('a peer that is no trusted proxy counts, whatever X-Forwarded-For says', () => {
    assert.equal(clientAddress('192.0.2.7', '203.0.113.9', trusted), '192.0.2.7');
  });

  test('behind trusted proxies: the rightmost address that is no trusted proxy', () => {
    assert.equal(clientAddress('10.1.2.3', '203.0.113.9', trusted), '203.0.113.9');
    assert.equal(
      clientAddress('127.0.0.1', '198.51.100.1, 203.0.113.9, 10.0.0.5', trusted),
      '203.0.113.9',
    );
    assert.equal(clientAddress('::ffff:10.1.2.3', '2001:db8::1', trusted), '2001:db8::1');
    // Every hop a trusted proxy: the leftmost one.
    assert.equal(clientAddress('10.1.2.3', '10.9.9.9, 10.0.0.5', trusted), '10.9.9.9');
    // Garbage: the proxy that passed it on.
    assert.equal(clientAddress('10.1.2.3', 'unknown, 10.0.0.5', trusted), '10.0.0.5');
    assert.equal(clientAddress('10.1.2.3', undefined, trusted), '10.1.2.3');
  });
});
