import { basename, dirname } from 'node:path';
import { CohortNormaliser, type QueryStats } from '../match/cohort-norm.ts';

/**
 * The large impostor set of issue 10: every pair of aligned images of two different identities, not
 * only the protocol's listed impostor pairs (500 in LFW DevTest resolve FAR only to 2e-3). With ~1,500
 * images that is ~1.1M (lr-lr) or ~2.3M (hr-lr, ordered gallery → probe) impostor scores, enough to
 * read TAR at FAR 1e-4.
 */

/** Identity of an image file in an `<identity>/<image>` layout (LFW, folder datasets). */
export function identityOfPath(path: string): string {
  return basename(dirname(path));
}

/**
 * Cosine scores of all cross-identity pairs (normalised per probe with `probeStats`, hr-lr only). `gallery[i]` and `probes[i]` are unit vectors of image i
 * (gallery undefined where an image has no gallery vector). `symmetric` (lr-lr): unordered pairs of
 * probes; otherwise every gallery i against every probe j of another identity.
 */
export function crossIdentityScores(
  probes: readonly Float32Array[],
  identities: readonly string[],
  gallery?: readonly (Float32Array | undefined)[],
  probeStats?: readonly QueryStats[],
): Float32Array {
  const n = probes.length;
  if (identities.length !== n) throw new RangeError('one identity per probe is needed');
  const ids = new Map<string, number>();
  const idOf = Int32Array.from(identities, (s) => ids.get(s) ?? (ids.set(s, ids.size), ids.size - 1));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const g = gallery ? gallery[i] : probes[i];
    if (!g) continue;
    for (let j = gallery ? 0 : i + 1; j < n; j++) {
      if (idOf[i] === idOf[j]) continue;
      const p = probes[j]!;
      let dot = 0;
      for (let k = 0; k < p.length; k++) dot += g[k]! * p[k]!;
      out.push(probeStats ? CohortNormaliser.apply(dot, probeStats[j]!) : dot);
    }
  }
  return Float32Array.from(out);
}

/** TAR and threshold at a FAR read off a large impostor set (accept when score > threshold). */
export interface OperatingPoint {
  readonly far: number;
  readonly tar: number;
  /** Accept when the cosine is above this: the (⌊far·N⌋+1)-th highest impostor score. */
  readonly threshold: number;
}

/**
 * Operating points from genuine scores and impostor scores without building the whole ROC (millions
 * of impostors): at FAR f at most ⌊f·N⌋ impostors may score above the threshold.
 */
export function operatingPoints(
  genuine: ArrayLike<number>,
  impostors: Float32Array,
  fars: readonly number[],
): OperatingPoint[] {
  if (impostors.length === 0 || genuine.length === 0)
    throw new RangeError('need genuine and impostor scores');
  const sorted = Float32Array.from(impostors).sort().reverse();
  return fars.map((far) => {
    const k = Math.min(sorted.length - 1, Math.floor(far * sorted.length));
    const threshold = sorted[k]!;
    let accepted = 0;
    for (let i = 0; i < genuine.length; i++) if (genuine[i]! > threshold) accepted++;
    return { far, tar: accepted / genuine.length, threshold };
  });
}
