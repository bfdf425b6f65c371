import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeCentreHeatmap, type DecodeHeatmapOptions } from '../../src/detect/small-face-decode.ts';

/** A [H, W, 4] head: every centre logit `background`, sizes 0, offsets 0.5. */
function head(W: number, H: number, background = -8): Float32Array {
  const raw = new Float32Array(W * H * 4);
  for (let k = 0; k < W * H; k++) raw.set([background, 0, 0.5, 0.5], k * 4);
  return raw;
}

function setCell(
  raw: Float32Array,
  W: number,
  col: number,
  row: number,
  values: { logit: number; s?: number; dx?: number; dy?: number },
): void {
  const o = (row * W + col) * 4;
  raw[o] = values.logit;
  if (values.s !== undefined) raw[o + 1] = values.s;
  if (values.dx !== undefined) raw[o + 2] = values.dx;
  if (values.dy !== undefined) raw[o + 3] = values.dy;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
const close = (a: number, b: number, eps = 1e-4): boolean => Math.abs(a - b) <= eps;

const W = 7;
const H = 5;
const opts = (o: Partial<DecodeHeatmapOptions> = {}): DecodeHeatmapOptions => ({
  gridWidth: W,
  gridHeight: H,
  stride: 4,
  referenceSide: 16,
  scoreThreshold: 0.3,
  ...o,
});

test('a single peak decodes to a square box at (col + dx, row + dy)·stride, side ref·exp(s), score σ(logit)', () => {
  const raw = head(W, H);
  const s = Math.log(1.5); // side 24 px
  setCell(raw, W, 4, 2, { logit: 2, s, dx: 0.25, dy: 0.75 });
  const dets = decodeCentreHeatmap(raw, opts());
  assert.equal(dets.length, 1);
  const { box, score } = dets[0]!;
  const side = 16 * Math.exp(Math.fround(s));
  const cx = (4 + 0.25) * 4;
  const cy = (2 + 0.75) * 4;
  assert.ok(close(box.width, 24), `width ${box.width}`);
  assert.equal(box.width, box.height, 'the box is square');
  assert.ok(close(box.width, side));
  assert.ok(close(box.x + box.width / 2, cx), `centre x ${box.x + box.width / 2}`);
  assert.ok(close(box.y + box.height / 2, cy), `centre y ${box.y + box.height / 2}`);
  assert.ok(close(box.x, cx - 12) && close(box.y, cy - 12), `top-left ${box.x},${box.y}`);
  assert.ok(close(score, sigmoid(2), 1e-7), `score ${score}`);
});

test('stride and referenceSide scale the box; a negative size channel shrinks it', () => {
  const raw = head(W, H);
  setCell(raw, W, 1, 3, { logit: 1, s: Math.log(0.5), dx: 0, dy: 1 });
  const [d] = decodeCentreHeatmap(raw, opts({ stride: 8, referenceSide: 20 }));
  assert.ok(d);
  assert.ok(close(d.box.width, 10), `side ${d.box.width}`);
  assert.ok(close(d.box.x + d.box.width / 2, 8), `cx ${d.box.x + d.box.width / 2}`);
  assert.ok(close(d.box.y + d.box.height / 2, 32), `cy ${d.box.y + d.box.height / 2}`);
});

test('lower neighbours of a peak (all above threshold) are not reported', () => {
  const raw = head(W, H);
  // A blob: the centre 3, the 8 neighbours between 1 and 2.5 (σ > 0.7, well above threshold).
  setCell(raw, W, 3, 2, { logit: 3 });
  let v = 1;
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      if (dx !== 0 || dy !== 0) setCell(raw, W, 3 + dx, 2 + dy, { logit: (v += 0.2), dx: 0.1, dy: 0.1 });
    }
  }
  const dets = decodeCentreHeatmap(raw, opts());
  assert.equal(dets.length, 1, JSON.stringify(dets));
  assert.ok(close(dets[0]!.score, sigmoid(3), 1e-7));
  assert.ok(close(dets[0]!.box.x + dets[0]!.box.width / 2, 3.5 * 4));
});

test('a lower cell that is a local maximum of its own 3x3 neighbourhood is a second peak', () => {
  const raw = head(W, H);
  setCell(raw, W, 1, 1, { logit: 3 });
  setCell(raw, W, 3, 1, { logit: 2 }); // two cells away: not a neighbour of the first peak
  setCell(raw, W, 2, 1, { logit: 1 }); // between them, lower than both: not a peak
  const dets = decodeCentreHeatmap(raw, opts());
  assert.equal(dets.length, 2, JSON.stringify(dets));
});

test('two separated peaks give two boxes, each at its own cell', () => {
  const raw = head(W, H);
  setCell(raw, W, 0, 0, { logit: 1.5, s: 0 });
  setCell(raw, W, 5, 3, { logit: 4, s: Math.log(2) });
  const dets = decodeCentreHeatmap(raw, opts());
  assert.equal(dets.length, 2);
  const byScore = [...dets].sort((a, b) => a.score - b.score);
  assert.ok(close(byScore[0]!.score, sigmoid(1.5), 1e-7));
  assert.ok(close(byScore[0]!.box.x + 8, 0.5 * 4) && close(byScore[0]!.box.width, 16));
  assert.ok(close(byScore[1]!.score, sigmoid(4), 1e-7));
  assert.ok(close(byScore[1]!.box.x + byScore[1]!.box.width / 2, 5.5 * 4));
  assert.ok(close(byScore[1]!.box.y + byScore[1]!.box.height / 2, 3.5 * 4));
  assert.ok(close(byScore[1]!.box.width, 32));
});

test('ties between neighbours give exactly one detection (horizontal, vertical, diagonal, plateau)', () => {
  const cases: [number, number][][] = [
    [
      [2, 2],
      [3, 2],
    ],
    [
      [2, 1],
      [2, 2],
    ],
    [
      [3, 1],
      [2, 2],
    ],
    [
      [2, 1],
      [3, 2],
    ],
    [
      [1, 1],
      [2, 1],
      [3, 1],
      [1, 2],
      [2, 2],
      [3, 2],
    ],
  ];
  for (const cells of cases) {
    const raw = head(W, H);
    for (const [c, r] of cells) setCell(raw, W, c, r, { logit: 2 });
    const dets = decodeCentreHeatmap(raw, opts());
    assert.equal(dets.length, 1, `tie at ${JSON.stringify(cells)}: ${JSON.stringify(dets)}`);
  }
});

test('a tie whose cells both touch a higher cell gives only the higher one', () => {
  const raw = head(W, H);
  setCell(raw, W, 2, 2, { logit: 2 });
  setCell(raw, W, 3, 2, { logit: 2 });
  setCell(raw, W, 3, 3, { logit: 2.5 }); // below (3, 2), diagonal to (2, 2)
  const dets = decodeCentreHeatmap(raw, opts());
  assert.equal(dets.length, 1);
  assert.ok(close(dets[0]!.score, sigmoid(2.5), 1e-7));
});

test('peaks at or below the threshold are dropped; just above are kept', () => {
  const raw = head(W, H);
  setCell(raw, W, 1, 1, { logit: 0 }); // σ = 0.5 exactly
  setCell(raw, W, 5, 3, { logit: -1 }); // σ ≈ 0.27
  assert.equal(decodeCentreHeatmap(raw, opts({ scoreThreshold: 0.5 })).length, 0, 'σ = threshold is dropped');
  setCell(raw, W, 1, 1, { logit: 0.01 });
  assert.equal(decodeCentreHeatmap(raw, opts({ scoreThreshold: 0.5 })).length, 1);
  assert.equal(decodeCentreHeatmap(raw, opts({ scoreThreshold: 0.2 })).length, 2);
  assert.equal(decodeCentreHeatmap(raw, opts({ scoreThreshold: 1 })).length, 0);
});

test('threshold 0 keeps every local maximum, even of a flat low map (one per plateau)', () => {
  const raw = head(W, H, -9);
  assert.equal(decodeCentreHeatmap(raw, opts({ scoreThreshold: 0 })).length, 1);
  setCell(raw, W, 6, 4, { logit: -5 });
  const dets = decodeCentreHeatmap(raw, opts({ scoreThreshold: 0 }));
  // The raised corner is a peak; the plateau's first cell (0, 0) also still is (nothing higher near it).
  assert.equal(dets.length, 2);
});

test('wrong raw length throws RangeError', () => {
  assert.throws(() => decodeCentreHeatmap(new Float32Array(W * H * 4 - 1), opts()), RangeError);
  assert.throws(() => decodeCentreHeatmap(new Float32Array(W * H * 5), opts()), RangeError);
  assert.throws(
    () => decodeCentreHeatmap(new Float32Array(W * H * 4), opts({ gridWidth: W + 1 })),
    RangeError,
  );
});
