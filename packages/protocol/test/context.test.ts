import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  attributeValue,
  canonicalKey,
  contextPart,
  contextToJson,
  decodeBase64Url,
  decodeContextBase64Url,
  encodeBase64Url,
  encodeContextBase64Url,
  parseAttributeReference,
  parseContext,
} from '@vexil/protocol';

describe('parseContext', () => {
  test('single-kind context with built-ins, custom attributes and private attributes', () => {
    const result = parseContext({
      kind: 'org',
      key: 'acme',
      name: 'Acme',
      plan: 'gold',
      address: { city: 'Auckland' },
      _meta: { privateAttributes: ['plan'] },
    });
    assert.ok(result.ok);
    const part = result.value.parts[0]!;
    assert.equal(result.value.kind, 'org');
    assert.equal(part.name, 'Acme');
    assert.equal(part.anonymous, false);
    assert.deepEqual(part.attributes, { plan: 'gold', address: { city: 'Auckland' } });
    assert.deepEqual(part.privateAttributes, ['plan']);
    assert.equal(attributeValue(part, parseAttributeReference('/address/city')), 'Auckland');
    assert.equal(attributeValue(part, parseAttributeReference('kind')), 'org');
  });

  test('multi-kind contexts sort their parts and have a canonical key with escaping', () => {
    const result = parseContext({ kind: 'multi', user: { key: 'a:b' }, org: { key: 'x%y' } });
    assert.ok(result.ok);
    assert.equal(result.value.kind, 'multi');
    assert.deepEqual(
      result.value.parts.map((p) => p.kind),
      ['org', 'user'],
    );
    assert.equal(canonicalKey(result.value), 'org:x%25y:user:a%3Ab');
    assert.equal(contextPart(result.value, 'user')?.key, 'a:b');
  });

  test('a multi-kind context with one kind is that single-kind context', () => {
    const result = parseContext({ kind: 'multi', org: { key: 'o' } });
    assert.ok(result.ok);
    assert.equal(result.value.kind, 'org');
    assert.equal(canonicalKey(result.value), 'org:o');
  });

  test('legacy users: built-ins, custom attributes, empty key allowed', () => {
    const result = parseContext({
      key: '',
      email: 'a@x.com',
      name: 'Ann',
      custom: { groups: ['a'], kind: 'ignored' },
      privateAttributeNames: ['email'],
    });
    assert.ok(result.ok);
    assert.equal(result.value.legacy, true);
    const part = result.value.parts[0]!;
    assert.equal(part.kind, 'user');
    assert.equal(part.key, '');
    assert.equal(part.name, 'Ann');
    assert.deepEqual(part.attributes, { email: 'a@x.com', groups: ['a'] });
  });

  const invalid: [string, unknown, string, RegExp][] = [
    ['an array', [], '', /expected an object/],
    ['a missing key', { kind: 'user' }, 'key', /non-empty string key/],
    ['an empty key', { kind: 'user', key: '' }, 'key', /non-empty string key/],
    ['an empty kind', { kind: '', key: 'k' }, 'kind', /invalid context kind/],
    ['kind "kind"', { kind: 'kind', key: 'k' }, 'kind', /invalid context kind/],
    ['a kind with spaces', { kind: 'my kind', key: 'k' }, 'kind', /invalid context kind/],
    ['a non-string name', { kind: 'user', key: 'k', name: 3 }, 'name', /expected a string/],
    ['a multi-kind context without kinds', { kind: 'multi' }, '', /at least one kind/],
    [
      'a multi-kind part with a kind',
      { kind: 'multi', org: { kind: 'org', key: 'o' } },
      'org.kind',
      /remove "kind"/,
    ],
    [
      'a multi-kind part without key',
      { kind: 'multi', org: { name: 'x' } },
      'org.key',
      /non-empty string key/,
    ],
    ['a legacy user with a numeric key', { key: 3 }, 'key', /string key/],
    [
      'a legacy user with a non-string email',
      { key: 'k', email: true },
      'email',
      /expected a string/,
    ],
  ];
  for (const [name, json, path, message] of invalid) {
    test(`rejects ${name}`, () => {
      const result = parseContext(json);
      assert.ok(!result.ok);
      assert.equal(result.error.code, 'INVALID_CONTEXT');
      assert.equal(result.error.path, path);
      assert.match(result.error.message, message);
    });
  }
});

describe('attribute references', () => {
  test('unescape ~0 and ~1 and reject malformed paths', () => {
    assert.deepEqual(parseAttributeReference('/good~1bad').components, ['good/bad']);
    assert.deepEqual(parseAttributeReference('/a~0b/c').components, ['a~b', 'c']);
    assert.deepEqual(parseAttributeReference('plain/name').components, ['plain/name']);
    for (const bad of ['', '/', '//', '/a/', '/a~2', '/a~']) {
      assert.ok(parseAttributeReference(bad).error !== undefined, bad);
    }
  });
});

describe('base64url contexts', () => {
  test('round-trips any bytes, padded or not, and standard base64', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const encoded = encodeBase64Url(bytes);
        assert.deepEqual(decodeBase64Url(encoded), bytes);
        assert.equal(encoded, Buffer.from(bytes).toString('base64url'));
        assert.deepEqual(decodeBase64Url(Buffer.from(bytes).toString('base64')), bytes);
      }),
      { numRuns: 500 },
    );
  });

  test('decodes a context from a URL segment', () => {
    const json = { kind: 'user', key: 'ü-1', name: 'Zoë' };
    const decoded = decodeContextBase64Url(encodeContextBase64Url(json));
    assert.ok(decoded.ok);
    assert.deepEqual(contextToJson(decoded.value), json);
  });

  test('says what is wrong with a bad URL context', () => {
    const notBase64 = decodeContextBase64Url('***');
    assert.ok(!notBase64.ok);
    assert.equal(notBase64.error.code, 'INVALID_ENCODING');
    const notJson = decodeContextBase64Url(Buffer.from('{nope').toString('base64url'));
    assert.ok(!notJson.ok);
    assert.match(notJson.error.message, /UTF-8 JSON/);
    const invalid = decodeContextBase64Url(Buffer.from('{"kind":"user"}').toString('base64url'));
    assert.ok(!invalid.ok);
    assert.equal(invalid.error.code, 'INVALID_CONTEXT');
  });
});
