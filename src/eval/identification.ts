import { Gallery } from '../match/gallery.ts';
import { CohortNormaliser, type QueryStats } from '../match/cohort-norm.ts';
import { decide, type DecisionPolicy } from '../match/decision.ts';

/**
 * Open-set identification on held-out identities, as the matcher decides it: a watchlist of some
 * identities (one enrolment photo each), probes of those people (mated) and of people not on it
 * (strangers), each decided by `decide()` — threshold, then `match.minMargin` — at several margins.
 * Verification thresholds say how often one comparison is wrong; this says what an operator sees
 * with a whole watchlist: people named, people named wrongly, and strangers named at all, and what
 * the margin guard trades between them.
 */
export interface IdentificationFace {
  readonly identity: string;
}

/** Which faces enrol, which probe as mated and which as strangers. Indices into the input. */
export interface WatchlistSplit {
  /** One per enrolled identity: its first face. */
  readonly enrol: number[];
  /** The enrolled identities' other faces. */
  readonly mated: number[];
  /** Every face of the identities not enrolled. */
  readonly strangers: number[];
}

/**
 * Every other identity with at least two faces (in order of first appearance) is enrolled with its
 * first face and probed with the rest; every other identity's faces are strangers. Deterministic, and
 * the two halves come from the same population, so neither side is easier.
 */
export function splitWatchlist(faces: readonly IdentificationFace[]): WatchlistSplit {
  const byIdentity = new Map<string, number[]>();
  faces.forEach((f, i) => {
    const indices = byIdentity.get(f.identity);
    if (indices) indices.push(i);
    else byIdentity.set(f.identity, [i]);
  });
  const split: WatchlistSplit = { enrol: [], mated: [], strangers: [] };
  let multi = 0;
  for (const indices of byIdentity.values()) {
    if (indices.length >= 2 && multi++ % 2 === 0) {
      split.enrol.push(indices[0]!);
      split.mated.push(...indices.slice(1));
    } else {
      split.strangers.push(...indices);
    }
  }
  return split;
}

export interface MarginOutcome {
  readonly minMargin: number;
  /** Mated probes named as themselves. */
  readonly named: number;
  /** Mated probes named as someone else. */
  readonly wrong: number;
  /** Stranger probes named as anyone. */
  readonly falseAlarms: number;
  readonly mated: number;
  readonly strangers: number;
}

export interface IdentificationInput {
  /** Every face's identity (the split is made here). */
  readonly faces: readonly IdentificationFace[];
  /** Every face's enrolment vector (gallery side), unit-norm. */
  readonly gallery: readonly Float32Array[];
  /** Every face's probe vector at this size, unit-norm. */
  readonly probes: readonly Float32Array[];
  /** The probes' face size (selects the threshold row). */
  readonly facePx: number;
  /** The decision policy; its `minMargin` is replaced by each of `margins`. */
  readonly policy: Omit<DecisionPolicy, 'minMargin'>;
  readonly margins: readonly number[];
  /**
   * Every probe's cohort statistics (`CohortNormaliser.stats`), to normalise scores as the matcher
   * does; absent: raw cosines.
   */
  readonly probeStats?: readonly QueryStats[];
}

export async function identificationByMargin(input: IdentificationInput): Promise<MarginOutcome[]> {
  const { faces, policy, margins, probeStats } = input;
  const split = splitWatchlist(faces);
  if (split.enrol.length < 2)
    throw new RangeError('identification needs at least two identities with two faces');
  const gallery = new Gallery(
    split.enrol.map((i) => ({ identityId: faces[i]!.identity, embeddings: [input.gallery[i]!] })),
    input.gallery[0]!.length,
  );
  try {
    const probeIdx = [...split.mated, ...split.strangers];
    const queries = probeIdx.map((i) => input.probes[i]!);
    const raw = await gallery.search(queries, 2);
    const candidates = probeStats
      ? raw.map((c, j) => CohortNormaliser.applyToCandidates(c, probeStats[probeIdx[j]!]!))
      : raw;
    const enrolled = new Set(split.enrol.map((i) => faces[i]!.identity));
    return margins.map((minMargin) => {
      let named = 0;
      let wrong = 0;
      let falseAlarms = 0;
      candidates.forEach((c, j) => {
        const d = decide({ ...policy, minMargin }, { candidates: c, facePx: input.facePx, quality: 1 });
        if (d.decision !== 'match') return;
        const truth = faces[probeIdx[j]!]!.identity;
        if (!enrolled.has(truth)) falseAlarms++;
        else if (d.identityId === truth) named++;
        else wrong++;
      });
      return {
        minMargin,
        named,
        wrong,
        falseAlarms,
        mated: split.mated.length,
        strangers: split.strangers.length,
      };
    });
  } finally {
    gallery.dispose();
  }
}
