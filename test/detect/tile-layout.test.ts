import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  expandBox,
  layoutTiles,
  levelsForFace,
  mergeRegions,
  scaleLevels,
} from '../../src/detect/tile-layout.ts';
import type { Box } from '../../src/image/box.ts';

const contains = (outer: Box, inner: Box): boolean =>
  inner.x >= outer.x - 1e-9 &&
  inner.y >= outer.y - 1e-9 &&
  inner.x + inner.width <= outer.x + outer.width + 1e-9 &&
  inner.y + inner.height <= outer.y + outer.height + 1e-9;

test('full-frame tiles are aligned, bounded, inside the frame, and every face ≤ overlap fits one tile', () => {
  const o = { scale: 2.75, maxTileInput: 640, overlap: 40, frameWidth: 768, frameHeight: 576 };
  const tiles = layoutTiles({ x: 0, y: 0, width: 768, height: 576 }, o);
  assert.ok(tiles.length > 1);
  for (const t of tiles) {
    assert.equal(t.inputWidth % 32, 0);
    assert.equal(t.inputHeight % 32, 0);
    assert.ok(t.inputWidth <= 640 && t.inputHeight <= 640);
    assert.ok(Math.abs(t.inputWidth / t.width - 2.75) < 1e-9, 'exact scale');
    assert.ok(t.x >= 0 && t.y >= 0 && t.x + t.width <= 768 + 1e-9 && t.y + t.height <= 576 + 1e-9);
  }
  for (let y = 0; y + 40 <= 576; y += 7) {
    for (let x = 0; x + 40 <= 768; x += 7) {
      const face = { x, y, width: 40, height: 40 };
      assert.ok(
        tiles.some((t) => contains(t, face)),
        `face at ${x},${y} is cut by every tile`,
      );
    }
  }
});

test('a small region gets one tile around it, padded to the stride and at least the minimum', () => {
  const tiles = layoutTiles(
    { x: 300, y: 200, width: 10, height: 30 },
    {
      scale: 2,
      maxTileInput: 416,
      overlap: 20,
      frameWidth: 768,
      frameHeight: 576,
    },
  );
  assert.equal(tiles.length, 1);
  assert.deepEqual([tiles[0].inputWidth, tiles[0].inputHeight], [64, 64]);
  assert.ok(contains(tiles[0], { x: 300, y: 200, width: 10, height: 30 }));
});

test('regions are clipped to the frame; a region outside gives no tiles; tiles shift inside at edges', () => {
  const o = { scale: 1, maxTileInput: 512, overlap: 0, frameWidth: 768, frameHeight: 576 };
  assert.deepEqual(layoutTiles({ x: 900, y: 0, width: 50, height: 50 }, o), []);
  const [t] = layoutTiles({ x: 740, y: 560, width: 100, height: 100 }, { ...o, minTileInput: 512 });
  assert.deepEqual([t.x, t.y, t.width, t.height], [256, 64, 512, 512]);
});

test('scaleLevels: finest maps minFace to the net size, levels overlap and cover maxFace', () => {
  const levels = scaleLevels(16, 96, 44, 88);
  assert.equal(levels[0].scale, 44 / 16);
  assert.equal(levels[0].minFace, 16);
  for (let i = 1; i < levels.length; i++) assert.ok(levels[i].minFace < levels[i - 1].maxFace);
  assert.equal(levels.at(-1)?.maxFace, 96);
  assert.equal(scaleLevels(16, 20, 44, 88).length, 1);
  assert.throws(() => scaleLevels(20, 10, 44, 88), RangeError);
});

test('mergeRegions joins overlapping boxes, keeps distant ones, covers every input', () => {
  const a = { x: 0, y: 0, width: 20, height: 20 };
  const b = { x: 10, y: 10, width: 20, height: 20 };
  const c = { x: 200, y: 200, width: 20, height: 20 };
  const merged = mergeRegions([a, b, c]);
  assert.equal(merged.length, 2);
  for (const r of [a, b, c]) assert.ok(merged.some((m) => contains(m, r)));
  assert.deepEqual(expandBox(a, 5), { x: -5, y: -5, width: 30, height: 30 });
});

test('levelsForFace picks the level(s) whose face range holds a tracked face, else the nearest', () => {
  const levels = scaleLevels(16, 96, 44, 88); // [16, 32], [28.8, 57.6], [51.8, 96]
  assert.deepEqual(levelsForFace(levels, 20), [0]);
  assert.deepEqual(levelsForFace(levels, 30), [0, 1], 'in the overlap of two levels');
  assert.deepEqual(levelsForFace(levels, 45), [1]);
  assert.deepEqual(levelsForFace(levels, 80), [2]);
  assert.deepEqual(levelsForFace(levels, 8), [0], 'smaller than the pyramid: the finest level');
  assert.deepEqual(levelsForFace(levels, 300), [2], 'larger than the pyramid: the coarsest level');
  assert.deepEqual(levelsForFace([], 20), []);
});
