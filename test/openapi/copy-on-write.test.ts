/** copy-on-write.ts: edits to a view of a document never change the document, and share what they do not touch. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cow } from '../../src/openapi/copy-on-write.js';

test('set copies only the containers on the way, the input stays as it was, in-place edits are listed', () => {
  const input = JSON.parse('{"paths":{"/a":{"get":{"x":1}},"/b":{"get":{"y":2}}},"list":[{"z":3},{"z":4}]}') as Record<string, any>;
  const before = structuredClone(input);
  const cow = new Cow(input);
  cow.set('#/paths/~1a/get/x', 10, true);
  cow.set('#/list/1/z', 40, false);
  assert.deepEqual(input, before, 'the input changed');
  const out = cow.root as Record<string, any>;
  assert.equal(out['paths']['/a']['get']['x'], 10);
  assert.equal(out['list'][1]['z'], 40);
  assert.ok(Array.isArray(out['list']));
  // Untouched subtrees are the input's own objects.
  assert.equal(out['paths']['/b'], input['paths']['/b']);
  assert.equal(out['list'][0], input['list'][0]);
  assert.deepEqual([...cow.dirty], ['#/paths/~1a/get/x']);
});

test('a key named __proto__ is set as an own property (as JSON.parse makes it), never as the prototype', () => {
  const input = JSON.parse('{"a":{"__proto__":{"p":1}}}') as Record<string, any>;
  const cow = new Cow(input);
  cow.set('#/a/__proto__', { p: 2 }, false);
  cow.set('#/b', {}, false);
  cow.set('#/b/__proto__', { q: 1 }, false);
  const out = cow.root as Record<string, any>;
  assert.deepEqual(out, JSON.parse('{"a":{"__proto__":{"p":2}},"b":{"__proto__":{"q":1}}}'));
  assert.equal(Object.getPrototypeOf(out['b']), Object.prototype);
  assert.deepEqual(input, JSON.parse('{"a":{"__proto__":{"p":1}}}'));
});
