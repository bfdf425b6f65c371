import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FaceDataset, ImagePair } from '../../src/datasets/types.ts';
import { balancedPairs, subsamplePairs } from '../../src/eval/pairs.ts';

function dataset(sizes: number[]): FaceDataset {
  return {
    root: '/data',
    identities: sizes.map((n, id) => ({
      name: `p${id}`,
      images: Array.from({ length: n }, (_, k) => `/data/p${id}/${k}.jpg`),
    })),
  };
}

const identityOf = (path: string): string => path.split('/')[2];
const key = (p: ImagePair): string => [p.a, p.b].sort().join('|');

test('all genuine pairs when under the cap, and as many distinct impostors', () => {
  const pairs = balancedPairs(dataset([3, 2, 1, 4]), { seed: 1 });
  const same = pairs.filter((p) => p.same);
  const diff = pairs.filter((p) => !p.same);
  assert.equal(same.length, 3 + 1 + 0 + 6);
  assert.equal(diff.length, same.length);
  assert.ok(same.every((p) => identityOf(p.a) === identityOf(p.b) && p.a !== p.b));
  assert.ok(diff.every((p) => identityOf(p.a) !== identityOf(p.b)));
  assert.equal(new Set(diff.map(key)).size, diff.length);
  assert.ok(pairs.every((p) => p.fold === null));
  // Genuine first, then impostors (LFW's order).
  assert.ok(pairs.slice(0, same.length).every((p) => p.same));
});

test('capped and seeded', () => {
  const ds = dataset([10, 10, 10]);
  const a = balancedPairs(ds, { maxSame: 20, seed: 5 });
  assert.deepEqual(a, balancedPairs(ds, { maxSame: 20, seed: 5 }));
  assert.notDeepEqual(a, balancedPairs(ds, { maxSame: 20, seed: 6 }));
  assert.equal(a.filter((p) => p.same).length, 20);
  assert.equal(a.filter((p) => !p.same).length, 20);
});

test('dense regime: impostors limited by what exists', () => {
  // 2 identities: 3 genuine pairs in A, 1 in B = 4 genuine; 3*2 = 6 impostor pairs exist.
  const pairs = balancedPairs(dataset([3, 2]));
  assert.equal(pairs.filter((p) => !p.same).length, 4);
  // 1 genuine pair; impostors: 2*1 = 2 exist.
  assert.equal(balancedPairs(dataset([2, 1])).filter((p) => !p.same).length, 1);
});

test('datasets that cannot form pairs are clear errors', () => {
  assert.throws(() => balancedPairs(dataset([5])), /at least 2 identities/);
  assert.throws(() => balancedPairs(dataset([1, 1, 1])), /no identity has 2 or more images/);
  assert.throws(() => balancedPairs(dataset([2, 2]), { maxSame: 0 }), /maxSame/);
});

test('subsamplePairs keeps class balance, order and folds', () => {
  const pairs: ImagePair[] = Array.from({ length: 40 }, (_, i) => ({
    a: `a${i}`,
    b: `b${i}`,
    same: i % 4 === 0,
    fold: i % 10,
  }));
  const sub = subsamplePairs(pairs, 10, 3);
  assert.equal(sub.length, 10);
  assert.equal(sub.filter((p) => p.same).length, 5);
  const idx = sub.map((p) => pairs.indexOf(p));
  assert.deepEqual(
    idx,
    [...idx].sort((x, y) => x - y),
  );
  assert.deepEqual(sub, subsamplePairs(pairs, 10, 3));
  assert.equal(subsamplePairs(pairs, 100).length, 40);
  assert.throws(() => subsamplePairs(pairs, 1), /integer >= 2/);
});
