import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFields, formatTable, formatTime } from '../src/table.js';

test('formatTable aligns columns under upper-case headers, without trailing spaces', () => {
  const rows = [
    { key: 'a', name: 'Alpha', tags: '' },
    { key: 'long-key', name: 'B', tags: 'x' },
  ];
  const text = formatTable(
    [
      { header: 'KEY', value: (r: (typeof rows)[number]) => r.key },
      { header: 'NAME', value: (r) => r.name },
      { header: 'TAGS', value: (r) => r.tags },
    ],
    rows,
  );
  assert.equal(text, 'KEY       NAME   TAGS\na         Alpha\nlong-key  B      x\n');
});

test('formatTable flattens whitespace and cuts long cells', () => {
  const text = formatTable(
    [{ header: 'DESCRIPTION', value: (r: string) => r, maxWidth: 12 }],
    ['two\nlines', 'a description that goes on'],
  );
  assert.equal(text, 'DESCRIPTION\ntwo lines\na descripti…\n');
});

test('formatTable with no rows prints the header', () => {
  assert.equal(formatTable([{ header: 'KEY', value: (r: string) => r }], []), 'KEY\n');
});

test('formatFields aligns values and leaves out undefined ones', () => {
  assert.equal(
    formatFields([
      ['Key', 'k'],
      ['Missing', undefined],
      ['Description', 'd'],
    ]),
    'Key          k\nDescription  d\n',
  );
  assert.equal(formatFields([['A', '1']], 4), 'A     1\n');
});

test('formatTime is UTC to the second', () => {
  assert.equal(formatTime(Date.UTC(2025, 0, 2, 3, 4, 5, 678)), '2025-01-02 03:04:05Z');
  assert.equal(formatTime(undefined), '');
});
