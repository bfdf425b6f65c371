import { createRng } from '../util/random.ts';
import { fillCapsule, fillEllipse, fillRect, type Rgb } from './raster.ts';
import { BUILDING_BASE_Y, DOORS, HORIZON_Y, SCENE_HEIGHT, SCENE_WIDTH } from './scene-layout.ts';

/**
 * The static background as float RGB: overcast sky, a row of buildings with windows and two doors, a
 * paved plaza with perspective joints, a lamp post, a bench, fixed texture noise and a vignette.
 */
export function renderBackground(seed: number | string): Float32Array {
  const rng = createRng(`${seed}:background`);
  const W = SCENE_WIDTH;
  const H = SCENE_HEIGHT;
  const buf = new Float32Array(W * H * 3);
  const vx = W / 2;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 3;
      if (y < BUILDING_BASE_Y) {
        const t = y / BUILDING_BASE_Y;
        buf[o] = 168 + 30 * t;
        buf[o + 1] = 176 + 26 * t;
        buf[o + 2] = 190 + 14 * t;
      } else {
        // Paving: lighter far away, darker near; joints converge on the vanishing point.
        const depth = (y - HORIZON_Y) / (H - HORIZON_Y);
        let v = 150 - 55 * depth;
        // Ground coordinates: along = distance from the camera, across = lateral offset; a joint
        // every unit of each, drawn about a pixel wide whatever the depth.
        const rows = y - HORIZON_Y;
        const along = 1800 / rows;
        if (along % 1 < Math.max(0.02, 1800 / (rows * rows))) v -= 12;
        const across = ((x - vx) * 2.5) / rows;
        if (Math.abs(across - Math.round(across)) < 1.25 / rows) v -= 12;
        buf[o] = v + 6;
        buf[o + 1] = v + 2;
        buf[o + 2] = v - 6;
      }
    }
  }
  // Buildings: a row of facades of different heights and colours.
  let x = -20;
  while (x < W) {
    const w = rng.int(110, 190);
    const top = rng.int(40, 150);
    const grey = rng.int(90, 160);
    const base: Rgb = [grey + rng.int(-6, 14), grey + rng.int(-8, 6), grey + rng.int(-14, 4)];
    fillRect(buf, x, top, x + w, BUILDING_BASE_Y, base);
    fillRect(buf, x, top, x + w, top + 6, [base[0] * 0.7, base[1] * 0.7, base[2] * 0.7]);
    for (let wy = top + 18; wy < BUILDING_BASE_Y - 50; wy += 28) {
      for (let wx = x + 12; wx < x + w - 22; wx += 26) {
        const lit = rng.bernoulli(0.2);
        const glass: Rgb = lit
          ? [200, 190, 140]
          : [55 + rng.int(0, 20), 65 + rng.int(0, 20), 80 + rng.int(0, 25)];
        fillRect(buf, wx, wy, wx + 14, wy + 16, glass);
      }
    }
    x += w;
  }
  for (const door of DOORS) {
    const dx = door * W;
    fillRect(buf, dx - 22, BUILDING_BASE_Y - 62, dx + 22, BUILDING_BASE_Y, [38, 36, 40]);
    fillRect(buf, dx - 26, BUILDING_BASE_Y - 66, dx + 26, BUILDING_BASE_Y - 62, [80, 78, 76]);
  }
  // Kerb line, a lamp post and a bench.
  fillRect(buf, 0, BUILDING_BASE_Y, W, BUILDING_BASE_Y + 4, [112, 110, 106]);
  fillCapsule(buf, 650, 470, 650, 150, 3, [52, 54, 58]);
  fillEllipse(buf, 650, 148, 14, 6, [70, 72, 76]);
  fillRect(buf, 80, 430, 190, 442, [96, 70, 50]);
  fillRect(buf, 86, 442, 92, 470, [45, 45, 48]);
  fillRect(buf, 178, 442, 184, 470, [45, 45, 48]);
  // Fixed texture (stains, grain) and a lens vignette.
  for (let y = 0; y < H; y++) {
    for (let xx = 0; xx < W; xx++) {
      const o = (y * W + xx) * 3;
      const grain = rng.normal(0, 4);
      const r = Math.hypot((xx - W / 2) / (W / 2), (y - H / 2) / (H / 2));
      const vig = 1 - 0.22 * r * r;
      for (let c = 0; c < 3; c++) buf[o + c] = (buf[o + c] + grain) * vig;
    }
  }
  return buf;
}
