/**
 * Least-squares similarity transforms (rotation + uniform scale + translation, no reflection):
 * the closed form of Umeyama's method in 2-D, written with the complex-number trick
 * (`q ≈ (a + ib)·p + t`).
 */

/** `x' = a·x − b·y + tx`, `y' = b·x + a·y + ty`. */
export interface Similarity {
  readonly a: number;
  readonly b: number;
  readonly tx: number;
  readonly ty: number;
}

/**
 * Fits the similarity mapping points `from` onto `to` (both interleaved x,y, same length ≥ 4)
 * minimising the sum of squared distances.
 */
export function fitSimilarity(from: ArrayLike<number>, to: ArrayLike<number>): Similarity {
  const n = from.length / 2;
  if (from.length !== to.length || n < 2 || !Number.isInteger(n)) {
    throw new RangeError(
      `fitSimilarity needs two equal-length point lists of ≥ 2 points, got ${from.length}/${to.length}`,
    );
  }
  let fx = 0;
  let fy = 0;
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < n; i++) {
    fx += from[2 * i];
    fy += from[2 * i + 1];
    tx += to[2 * i];
    ty += to[2 * i + 1];
  }
  fx /= n;
  fy /= n;
  tx /= n;
  ty /= n;
  let dot = 0;
  let cross = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const px = from[2 * i] - fx;
    const py = from[2 * i + 1] - fy;
    const qx = to[2 * i] - tx;
    const qy = to[2 * i + 1] - ty;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
    norm += px * px + py * py;
  }
  if (norm === 0) throw new RangeError('fitSimilarity: source points are all identical');
  const a = dot / norm;
  const b = cross / norm;
  return { a, b, tx: tx - (a * fx - b * fy), ty: ty - (b * fx + a * fy) };
}

/** Applies `s` to one point. */
export function applySimilarity(s: Similarity, x: number, y: number): [number, number] {
  return [s.a * x - s.b * y + s.tx, s.b * x + s.a * y + s.ty];
}

/** The inverse transform. */
export function invertSimilarity(s: Similarity): Similarity {
  const d = s.a * s.a + s.b * s.b;
  if (d === 0) throw new RangeError('invertSimilarity: degenerate transform');
  const a = s.a / d;
  const b = -s.b / d;
  return { a, b, tx: -(a * s.tx - b * s.ty), ty: -(b * s.tx + a * s.ty) };
}

/** Uniform scale factor of `s`. */
export function similarityScale(s: Similarity): number {
  return Math.hypot(s.a, s.b);
}

/** `s ∘ t`: the transform applying `t` first, then `s`. */
export function composeSimilarity(s: Similarity, t: Similarity): Similarity {
  return {
    a: s.a * t.a - s.b * t.b,
    b: s.a * t.b + s.b * t.a,
    tx: s.a * t.tx - s.b * t.ty + s.tx,
    ty: s.b * t.tx + s.a * t.ty + s.ty,
  };
}

/** Rotation by `angle` radians about the point (cx, cy) (positive: x towards y, clockwise on screen). */
export function rotationAbout(cx: number, cy: number, angle: number): Similarity {
  const a = Math.cos(angle);
  const b = Math.sin(angle);
  return { a, b, tx: cx - a * cx + b * cy, ty: cy - b * cx - a * cy };
}
