import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  detectorTargets,
  renderDetectorSample,
  type DetectorSample,
  type DetectorSampleSources,
} from '../../src/distill/detector-samples.ts';
import type { Box } from '../../src/image/box.ts';
import type { RgbImage } from '../../src/image/rgb-image.ts';
import { createRng } from '../../src/util/random.ts';

function image(width: number, height: number, colour: (x: number, y: number) => readonly number[]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set(colour(x, y), (y * width + x) * 3);
  return { width, height, data };
}

const FACE_BOX: Box = { x: 70, y: 70, width: 110, height: 110 };
const inBox = (b: Box, x: number, y: number): boolean =>
  x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height;

/** A 250x250 "face photo" (LFW-like geometry): the central 110x110 face is white, everything else black. */
const photo = image(250, 250, (x, y) => (inBox(FACE_BOX, x, y) ? [255, 255, 255] : [0, 0, 0]));

/** A dark 320x240 "frame" (values ≤ 60) whose one ignore box (80x50, not square) is bright (220). */
const IGNORE: Box = { x: 200, y: 60, width: 80, height: 50 };
const background = image(320, 240, (x, y) =>
  inBox(IGNORE, x, y) ? [220, 220, 220] : [(x * 7) % 60, (y * 5) % 60, ((x + y) * 3) % 60],
);

const sources: DetectorSampleSources = {
  backgrounds: [{ image: background, ignore: [IGNORE] }],
  faces: [{ image: photo, face: FACE_BOX }],
};

/** Mean over the 3x3 pixels (all channels) around tile pixel (x, y). */
function meanAround(s: DetectorSample, x: number, y: number): number {
  let m = 0;
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      for (let c = 0; c < 3; c++) m += s.pixels[((y + dy) * s.tile + x + dx) * 3 + c]!;
    }
  }
  return m / 27;
}

const centreOf = (b: Box): [number, number] => [b.x + b.width / 2, b.y + b.height / 2];

describe('detectorTargets', () => {
  const stride = 4;
  const ref = 16;
  const G = 16; // tile 64
  const cell = (gx: number, gy: number): number => gy * G + gx;

  it('puts heat = 1 and centre = 1 exactly at the face-centre cell, with its log size and sub-cell offset', () => {
    // Centre (31, 43) → cell (7.75, 10.75) → (7, 10), offset (0.75, 0.75); side 20 → ln(20/16).
    const face = { x: 21, y: 33, width: 20, height: 20 };
    const t = detectorTargets({ tile: 64, faces: [face], ignore: [] }, stride, ref);
    assert.equal(t.heat.length, G * G);
    assert.equal(t.offset.length, G * G * 2);
    const k = cell(7, 10);
    assert.equal(t.heat[k], 1);
    assert.equal(t.centre[k], 1);
    assert.equal(
      t.centre.reduce((a, b) => a + b, 0),
      1,
      'one centre cell per face',
    );
    assert.ok(Math.abs(t.logSize[k]! - Math.log(20 / 16)) < 1e-6, `logSize ${t.logSize[k]}`);
    assert.ok(Math.abs(t.offset[2 * k]! - 0.75) < 1e-6 && Math.abs(t.offset[2 * k + 1]! - 0.75) < 1e-6);
    // Regression targets are only at the centre.
    t.logSize.forEach((v, i) => i !== k && assert.equal(v, 0));
    t.offset.forEach((v, i) => i !== 2 * k && i !== 2 * k + 1 && assert.equal(v, 0));
    // Heat is 1 nowhere else and every weight is 1 without ignore boxes.
    assert.equal(Array.from(t.heat).filter((h) => h === 1).length, 1);
    assert.ok(t.weight.every((w) => w === 1));
  });

  it('decays the heat as a Gaussian of σ = max(0.6, side / (6·stride)) cells around the centre', () => {
    const side = 40; // σ = 40 / 24 cells
    const sigma = side / (6 * stride);
    const face = { x: 32 - side / 2 + 1, y: 32 - side / 2 + 1, width: side, height: side }; // centre (33, 33) → (8, 8)
    const t = detectorTargets({ tile: 64, faces: [face], ignore: [] }, stride, ref);
    for (const [dx, dy] of [
      [1, 0],
      [0, -1],
      [2, 1],
      [-3, 2],
    ] as const) {
      const expected = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
      const got = t.heat[cell(8 + dx, 8 + dy)]!;
      assert.ok(Math.abs(got - expected) < 1e-5, `(${dx}, ${dy}): ${got} vs ${expected}`);
      assert.equal(t.centre[cell(8 + dx, 8 + dy)], 0);
    }
    // Monotone decay along a row, and nothing far away.
    for (let d = 0; d < 5; d++) assert.ok(t.heat[cell(8 + d, 8)]! > t.heat[cell(9 + d, 8)]!, `d ${d}`);
    assert.equal(t.heat[cell(0, 15)], 0);
    // A small face has the σ floor 0.6: its neighbour is exp(−1 / 0.72).
    const small = detectorTargets(
      { tile: 64, faces: [{ x: 30, y: 30, width: 8, height: 8 }], ignore: [] },
      stride,
      ref,
    );
    assert.ok(Math.abs(small.heat[cell(9, 8)]! - Math.exp(-1 / 0.72)) < 1e-5);
    assert.ok(small.heat[cell(9, 8)]! < t.heat[cell(9, 8)]!, 'a smaller face has a narrower peak');
  });

  it('takes the larger of overlapping Gaussians; each face has its own centre', () => {
    const a = { x: 10, y: 10, width: 16, height: 16 }; // centre (18, 18) → (4, 4)
    const b = { x: 22, y: 10, width: 16, height: 16 }; // centre (30, 18) → (7, 4)
    const ta = detectorTargets({ tile: 64, faces: [a], ignore: [] }, stride, ref);
    const tb = detectorTargets({ tile: 64, faces: [b], ignore: [] }, stride, ref);
    const t = detectorTargets({ tile: 64, faces: [a, b], ignore: [] }, stride, ref);
    for (let i = 0; i < G * G; i++) assert.equal(t.heat[i], Math.max(ta.heat[i]!, tb.heat[i]!));
    assert.equal(t.centre[cell(4, 4)], 1);
    assert.equal(t.centre[cell(7, 4)], 1);
    assert.equal(
      t.centre.reduce((s, v) => s + v, 0),
      2,
    );
  });

  it('ignore boxes zero the weight of cells whose centre they hold, except near labelled faces', () => {
    // Cells 2..9 in x (centres 10..38) and 3..6 in y (centres 14..26).
    const ignore = [{ x: 8, y: 12, width: 32, height: 16 }];
    const t = detectorTargets({ tile: 64, faces: [], ignore }, stride, ref);
    for (let gy = 0; gy < G; gy++) {
      for (let gx = 0; gx < G; gx++) {
        const inside = gx >= 2 && gx <= 9 && gy >= 3 && gy <= 6;
        assert.equal(t.weight[cell(gx, gy)], inside ? 0 : 1, `cell (${gx}, ${gy})`);
      }
    }
    assert.ok(t.heat.every((h) => h === 0) && t.centre.every((c) => c === 0));
    // A labelled face inside the ignore box gets its cells back; the rest of the box stays ignored.
    const face = { x: 10, y: 12, width: 8, height: 8 }; // centre (14, 16) → (3, 4); σ 0.6 → radius 2
    const withFace = detectorTargets({ tile: 64, faces: [face], ignore }, stride, ref);
    assert.equal(withFace.weight[cell(3, 4)], 1);
    assert.equal(withFace.centre[cell(3, 4)], 1);
    assert.equal(withFace.weight[cell(4, 5)], 1, 'a neighbour of the face');
    assert.equal(withFace.weight[cell(9, 4)], 0, 'far from the face, still ignored');
  });

  it('a face whose centre is outside the tile contributes no centre (and no heat when far outside)', () => {
    const far = detectorTargets(
      { tile: 64, faces: [{ x: -40, y: 20, width: 16, height: 16 }], ignore: [] },
      stride,
      ref,
    );
    assert.ok(far.centre.every((c) => c === 0));
    assert.ok(far.heat.every((h) => h === 0));
    assert.ok(far.logSize.every((v) => v === 0));
    // Centre just left of the tile (x = −2 → cell −1): the border column gets some heat, below 1.
    const cut = detectorTargets(
      { tile: 64, faces: [{ x: -10, y: 20, width: 16, height: 16 }], ignore: [] },
      stride,
      ref,
    );
    assert.ok(cut.centre.every((c) => c === 0));
    const border = cut.heat[cell(0, 7)]!;
    assert.ok(border > 0 && border < 1, `border heat ${border}`);
    // Centre beyond the bottom-right edge.
    const beyond = detectorTargets(
      { tile: 64, faces: [{ x: 60, y: 60, width: 12, height: 12 }], ignore: [] },
      stride,
      ref,
    );
    assert.ok(beyond.centre.every((c) => c === 0));
  });

  it('log size uses the longer side of a non-square box and the given reference', () => {
    const t = detectorTargets(
      { tile: 64, faces: [{ x: 20, y: 20, width: 10, height: 24 }], ignore: [] },
      8,
      12,
    );
    // stride 8 → 8x8 grid; centre (25, 32) → cell (3, 4), offset (0.125, 0).
    const k = 4 * 8 + 3;
    assert.equal(t.heat.length, 64);
    assert.equal(t.centre[k], 1);
    assert.ok(Math.abs(t.logSize[k]! - Math.log(24 / 12)) < 1e-6);
    assert.ok(Math.abs(t.offset[2 * k]! - 0.125) < 1e-6);
    assert.equal(t.offset[2 * k + 1], 0);
  });

  it('offsets at centre cells are in [0, 1)', () => {
    const rng = createRng('offsets');
    for (let i = 0; i < 200; i++) {
      const side = rng.uniform(8, 40);
      const face = {
        x: rng.uniform(-side / 2, 64 - side / 2),
        y: rng.uniform(-side / 2, 64 - side / 2),
        width: side,
        height: side,
      };
      const t = detectorTargets({ tile: 64, faces: [face], ignore: [] }, stride, ref);
      t.centre.forEach((c, k) => {
        if (c !== 1) return;
        for (const o of [t.offset[2 * k]!, t.offset[2 * k + 1]!]) assert.ok(o >= 0 && o < 1, `offset ${o}`);
      });
    }
  });
});

describe('renderDetectorSample', () => {
  it('renders T*T*3 pixels in 0..255 with labelled faces within the positive range', async () => {
    let faces = 0;
    let ignoredFaces = 0;
    for (let seed = 0; seed < 40; seed++) {
      const s = await renderDetectorSample(sources, createRng(seed), { positiveRange: [16, 30] });
      assert.equal(s.tile, 96, 'default tile');
      assert.equal(s.pixels.length, 96 * 96 * 3);
      assert.ok(s.pixels.every((v) => Number.isFinite(v) && v >= 0 && v <= 255));
      for (const f of s.faces) {
        assert.equal(f.width, f.height, 'faces are square');
        assert.ok(f.width >= 16 && f.width <= 30, `labelled side ${f.width}`);
        const [cx, cy] = centreOf(f);
        assert.ok(
          cx >= -1 && cx <= 97 && cy >= -1 && cy <= 97,
          `face centre (${cx}, ${cy}) reaches the tile`,
        );
      }
      // Labelled faces do not overlap each other.
      for (let i = 0; i < s.faces.length; i++) {
        for (let j = i + 1; j < s.faces.length; j++) {
          const a = s.faces[i]!;
          const b = s.faces[j]!;
          const overlap =
            a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
          assert.ok(!overlap, `faces ${JSON.stringify(a)} and ${JSON.stringify(b)} overlap`);
        }
      }
      faces += s.faces.length;
      // Pasted faces outside the range are square ignore boxes (the background's own box is 80x50-shaped).
      ignoredFaces += s.ignore.filter(
        (b) => Math.abs(b.width - b.height) < 1e-9 && (b.width < 16 || b.width > 30),
      ).length;
    }
    assert.ok(faces > 10, `${faces} labelled faces in 40 tiles`);
    assert.ok(ignoredFaces > 10, `${ignoredFaces} out-of-range faces went to ignore`);
  });

  it('labels every pasted face inside a wide positive range and ignores nothing on clutter', async () => {
    let faces = 0;
    for (let seed = 0; seed < 20; seed++) {
      const s = await renderDetectorSample(sources, createRng(`all:${seed}`), {
        positiveRange: [1, 1000],
        clutterFraction: 1,
      });
      assert.deepEqual(s.ignore, [], 'no background, no out-of-range face: nothing ignored');
      faces += s.faces.length;
    }
    assert.ok(faces > 10, `${faces} faces`);
  });

  it('maps the background ignore box into the tile (flips included): it lands on the bright region', async () => {
    let mapped = 0;
    const inside = { bright: 0, all: 0 };
    const outside = { bright: 0, all: 0 };
    for (let seed = 0; seed < 160; seed++) {
      const s = await renderDetectorSample(sources, createRng(`bg:${seed}`), {
        clutterFraction: 0,
        positiveRange: [1, 1000],
      });
      assert.ok(s.ignore.length <= 1, 'only the background box is ignored');
      for (const b of s.ignore) {
        // The 80x50 box keeps its 8:5 aspect at any crop scale.
        assert.ok(Math.abs(b.width / b.height - 1.6) < 1e-6, `ignore box ${JSON.stringify(b)}`);
        assert.ok(
          b.x < s.tile && b.y < s.tile && b.x + b.width > 0 && b.y + b.height > 0,
          'overlaps the tile',
        );
        mapped++;
        // Count bright pixels (3x3 means) inside and outside the box, a pixel's margin from its border.
        for (let y = 1; y < s.tile - 1; y++) {
          for (let x = 1; x < s.tile - 1; x++) {
            const px = x + 0.5;
            const py = y + 0.5;
            const inBoxPx =
              px > b.x + 1.5 && px < b.x + b.width - 1.5 && py > b.y + 1.5 && py < b.y + b.height - 1.5;
            const outBoxPx =
              px < b.x - 1.5 || px > b.x + b.width + 1.5 || py < b.y - 1.5 || py > b.y + b.height + 1.5;
            if (!inBoxPx && !outBoxPx) continue;
            const tally = inBoxPx ? inside : outside;
            tally.all++;
            if (meanAround(s, x, y) > 122) tally.bright++;
          }
        }
      }
    }
    assert.ok(mapped >= 30 && inside.all > 10_000, `${mapped} ignore boxes, ${inside.all} px inside them`);
    // Pasted faces and distractors cover some of the box; a wrong mapping (e.g. a flip not applied to the
    // box) would put it mostly on the dark frame.
    const inFrac = inside.bright / inside.all;
    const outFrac = outside.bright / outside.all;
    assert.ok(inFrac > 0.7, `bright inside the mapped boxes: ${inFrac}`);
    assert.ok(outFrac < 0.25, `bright outside them: ${outFrac}`);
  });

  it('a whole-frame ignore box covers the whole tile', async () => {
    const all: DetectorSampleSources = {
      backgrounds: [{ image: background, ignore: [{ x: 0, y: 0, width: 320, height: 240 }] }],
      faces: sources.faces,
    };
    for (let seed = 0; seed < 10; seed++) {
      const s = await renderDetectorSample(all, createRng(seed), { clutterFraction: 0, tile: 64 });
      const covering = s.ignore.filter(
        (b) => b.x <= 1e-9 && b.y <= 1e-9 && b.x + b.width >= 64 - 1e-9 && b.y + b.height >= 64 - 1e-9,
      );
      assert.equal(covering.length, 1, JSON.stringify(s.ignore));
    }
  });

  it('is deterministic in the rng: same seed → identical sample, different seed → different', async () => {
    const a = await renderDetectorSample(sources, createRng('det'));
    const b = await renderDetectorSample(sources, createRng('det'));
    const c = await renderDetectorSample(sources, createRng('det2'));
    assert.deepEqual(Array.from(a.pixels), Array.from(b.pixels));
    assert.deepEqual(a.faces, b.faces);
    assert.deepEqual(a.ignore, b.ignore);
    assert.notDeepEqual(Array.from(a.pixels), Array.from(c.pixels));
  });

  it('respects the tile option', async () => {
    for (const tile of [32, 48, 128]) {
      const s = await renderDetectorSample(sources, createRng(tile), { tile });
      assert.equal(s.tile, tile);
      assert.equal(s.pixels.length, tile * tile * 3);
      const t = detectorTargets(s, 4, 16);
      assert.equal(t.heat.length, (tile / 4) ** 2);
    }
  });

  // Each face is pasted with its whole context patch (0.2–0.65 of its side on every side): a later
  // paste must not cover an earlier labelled face (patches are kept apart, not only face boxes).
  it('every labelled face is visible: its centre shows the pasted face, not another paste', async () => {
    const hidden: string[] = [];
    let checked = 0;
    for (let seed = 0; seed < 400; seed++) {
      const s = await renderDetectorSample(sources, createRng(seed));
      for (const f of s.faces) {
        const [cx, cy] = centreOf(f).map(Math.floor) as [number, number];
        if (cx < 1 || cy < 1 || cx > s.tile - 2 || cy > s.tile - 2) continue;
        checked++;
        // The white face after the worst gain/offset is ≥ 151; black or ≤ 60 content is ≤ 124.
        const m = meanAround(s, cx, cy);
        if (m < 140) hidden.push(`seed ${seed}: face ${JSON.stringify(f)} centre mean ${m.toFixed(1)}`);
      }
    }
    assert.ok(checked > 200, `${checked} faces checked`);
    assert.deepEqual(hidden, [], 'labelled faces covered by a later paste');
  });
});
