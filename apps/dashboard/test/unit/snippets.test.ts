import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { flagValueType, snippets } from '../../src/model/snippets.js';

// The "Connect an SDK" examples call the project's first flag; their default value must be of
// that flag's type (a string flag with a boolean default is a type mismatch in OpenFeature).

const keys = { baseUrl: 'http://x', sdkKey: 'sdk-1', clientSideId: 'cs-1' };

describe('SDK snippets: defaults of the flag’s own type', () => {
  test('the type of a flag’s values', () => {
    assert.equal(flagValueType([{ value: true }, { value: false }]), 'boolean');
    assert.equal(flagValueType([{ value: 'Welcome!' }, { value: '' }]), 'string');
    assert.equal(flagValueType([{ value: 1 }, { value: 2.5 }]), 'number');
    assert.equal(flagValueType([{ value: { a: 1 } }, { value: [1] }]), 'object');
    assert.equal(flagValueType([{ value: 1 }, { value: 'one' }]), 'object');
    assert.equal(flagValueType([{ value: null }]), 'object');
  });

  test('a string flag (the demo’s banner-text) gets a string default in every SDK', () => {
    const [node, browser, ofrep] = snippets({
      ...keys,
      flagKey: 'banner-text',
      flagType: 'string',
    });
    assert.match(node!.code, /client\.variation\("banner-text", context, ''\);/);
    assert.match(browser!.code, /client\.variation\("banner-text", ''\);/);
    assert.match(ofrep!.code, /client\.getStringValue\("banner-text", '', \{ targetingKey/);
    for (const s of [node!, browser!, ofrep!]) assert.doesNotMatch(s.code, /, false[,)]/, s.kind);
  });

  test('numbers, JSON and booleans; boolean when the type is not known', () => {
    const number = snippets({ ...keys, flagKey: 'limit', flagType: 'number' });
    assert.match(number[0]!.code, /variation\("limit", context, 0\)/);
    assert.match(number[2]!.code, /getNumberValue\("limit", 0,/);
    const object = snippets({ ...keys, flagKey: 'config', flagType: 'object' });
    assert.match(object[1]!.code, /variation\("config", \{\}\)/);
    assert.match(object[2]!.code, /getObjectValue\("config", \{\},/);
    for (const s of [snippets({ ...keys, flagKey: 'f', flagType: 'boolean' }), snippets(keys)]) {
      assert.match(s[0]!.code, /context, false\)/);
      assert.match(s[2]!.code, /getBooleanValue\(/);
    }
  });
});
