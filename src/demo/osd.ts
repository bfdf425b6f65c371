import { SCENE_FPS, SCENE_HEIGHT, SCENE_WIDTH } from './scene-layout.ts';

/** 3x5 bitmap glyphs (rows top to bottom, '#' = on) for the on-screen display. */
const GLYPHS: Readonly<Record<string, readonly string[]>> = {
  '0': ['###', '#.#', '#.#', '#.#', '###'],
  '1': ['.#.', '##.', '.#.', '.#.', '###'],
  '2': ['###', '..#', '###', '#..', '###'],
  '3': ['###', '..#', '###', '..#', '###'],
  '4': ['#.#', '#.#', '###', '..#', '..#'],
  '5': ['###', '#..', '###', '..#', '###'],
  '6': ['###', '#..', '###', '#.#', '###'],
  '7': ['###', '..#', '..#', '.#.', '.#.'],
  '8': ['###', '#.#', '###', '#.#', '###'],
  '9': ['###', '#.#', '###', '..#', '###'],
  C: ['###', '#..', '#..', '#..', '###'],
  A: ['.#.', '#.#', '###', '#.#', '#.#'],
  M: ['#.#', '###', '###', '#.#', '#.#'],
  '-': ['...', '...', '###', '...', '...'],
  ':': ['...', '.#.', '...', '.#.', '...'],
  ' ': ['...', '...', '...', '...', '...'],
};

/** The camera's on-screen display for frame `t`: camera name and a wall-clock timestamp. */
export function osdText(t: number): string {
  const secs = 8 * 3600 + 15 * 60 + 2 + Math.floor(t / SCENE_FPS);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `CAM 03  2026-05-14 ${two(Math.floor(secs / 3600) % 24)}:${two(Math.floor(secs / 60) % 60)}:${two(secs % 60)}`;
}

/** Burns white text with a dark outline into a finished frame (after noise, like a real OSD). */
export function drawOsd(out: Uint8Array, text: string, x0: number, y0: number, scale = 2): void {
  const put = (x: number, y: number, v: number): void => {
    if (x < 0 || y < 0 || x >= SCENE_WIDTH || y >= SCENE_HEIGHT) return;
    const o = (y * SCENE_WIDTH + x) * 3;
    out[o] = v;
    out[o + 1] = v;
    out[o + 2] = v;
  };
  for (const pass of [0, 1]) {
    [...text].forEach((ch, k) => {
      const glyph = GLYPHS[ch] ?? GLYPHS[' '];
      glyph.forEach((row, gy) => {
        for (let gx = 0; gx < 3; gx++) {
          if (row[gx] !== '#') continue;
          const px = x0 + (k * 4 + gx) * scale;
          const py = y0 + gy * scale;
          // Pass 0 paints a one-pixel dark outline around each dot, pass 1 the white dot itself.
          const lo = pass === 0 ? -1 : 0;
          const hi = pass === 0 ? scale + 1 : scale;
          for (let dy = lo; dy < hi; dy++) {
            for (let dx = lo; dx < hi; dx++) put(px + dx, py + dy, pass === 0 ? 20 : 235);
          }
        }
      });
    });
  }
}
