import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeFaceBatch, encodeFaceBatch } from '../../src/queue/face-batch.ts';

const meta = (t: string) => ({
  trackId: t,
  facePx: 14,
  quality: 0.3,
  box: { x: 1, y: 2, width: 14, height: 14 },
  frameTimeMs: 5,
});

test('crops round-trip through the binary batch', () => {
  const a = { width: 2, height: 2, data: Uint8Array.from({ length: 12 }, (_, i) => i) };
  const b = { width: 2, height: 2, data: Uint8Array.from({ length: 12 }, (_, i) => 200 + i) };
  const batch = encodeFaceBatch({ batchId: 'b1', camera: 'c', enqueuedAtMs: 1 }, 2, [
    { meta: meta('t1'), image: a },
    { meta: meta('t2'), image: b },
  ]);
  assert.equal(typeof batch.pixels, 'string');
  const back = JSON.parse(JSON.stringify(batch));
  const imgs = decodeFaceBatch(back);
  assert.deepEqual([...imgs[0]!.data], [...a.data]);
  assert.deepEqual([...imgs[1]!.data], [...b.data]);
});

test('wrong crop sizes and truncated pixels are refused with the reason', () => {
  const a = { width: 3, height: 3, data: new Uint8Array(27) };
  assert.throws(
    () => encodeFaceBatch({ batchId: 'b', camera: 'c', enqueuedAtMs: 1 }, 2, [{ meta: meta('t'), image: a }]),
    /must be 2x2/,
  );
  const ok = encodeFaceBatch({ batchId: 'b', camera: 'c', enqueuedAtMs: 1 }, 3, [
    { meta: meta('t'), image: a },
  ]);
  assert.throws(() => decodeFaceBatch({ ...ok, pixels: ok.pixels.slice(0, 8) }), /pixel bytes/);
});
