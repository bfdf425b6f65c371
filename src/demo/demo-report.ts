import type { IdentityEvent } from '../events/identity-event.ts';
import type { Box } from '../image/box.ts';
import type { DemoTruth, DemoTruthPerson } from './demo-assets.ts';

/**
 * Scores a pipeline run on the demo clip against its ground truth: which tracks belong to which
 * person (by box position, so no frame numbers are needed), and per person whether the watchlist
 * name was given, missed, or given wrongly. Pure functions: the demo command and tests share them.
 */

/** How a person fared: enrolled people should be `named`, passers-by `not named`. */
export type PersonOutcome = 'named' | 'missed' | 'unseen' | 'wrong name' | 'not named' | 'false alarm';

export interface PersonResult {
  readonly id: string;
  /** Watchlist name when enrolled, else undefined. */
  readonly watchlistName: string | undefined;
  readonly tracks: number;
  /** Distinct names given to this person's tracks by match events. */
  readonly namedAs: readonly string[];
  /** Best match score over this person's tracks' events (any decision), NaN without events. */
  readonly bestScore: number;
  readonly outcome: PersonOutcome;
}

/** The truth person a box belongs to: centre within half a face of a truth box of similar size. */
function personAt(truth: DemoTruth, box: Box): DemoTruthPerson | undefined {
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const side = Math.max(box.width, box.height);
  let best: { p: DemoTruthPerson; d: number } | undefined;
  for (const p of truth.persons) {
    for (const t of p.track) {
      const ratio = side / t.size;
      if (ratio < 0.6 || ratio > 1.7) continue;
      const d = Math.hypot(t.box.x + t.box.width / 2 - cx, t.box.y + t.box.height / 2 - cy) / t.size;
      if (d < 0.5 && (!best || d < best.d)) best = { p, d };
    }
  }
  return best?.p;
}

/** Each track's person id (majority vote over its crops' boxes); tracks matching nobody are left out. */
export function assignTracks(
  truth: DemoTruth,
  trackBoxes: ReadonlyMap<string, readonly Box[]>,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const [trackId, boxes] of trackBoxes) {
    const votes = new Map<string, number>();
    for (const b of boxes) {
      const p = personAt(truth, b);
      if (p) votes.set(p.id, (votes.get(p.id) ?? 0) + 1);
    }
    const top = [...votes].sort((a, b) => b[1] - a[1])[0];
    if (top) out.set(trackId, top[0]);
  }
  return out;
}

/** Per-person outcome of a run: its events and the track → person assignment. */
export function scoreAgainstTruth(
  truth: DemoTruth,
  events: readonly IdentityEvent[],
  trackPerson: ReadonlyMap<string, string>,
): PersonResult[] {
  return truth.persons.map((p) => {
    const tracks = [...trackPerson].filter(([, id]) => id === p.id).map(([t]) => t);
    const mine = events.filter((e) => tracks.includes(e.trackId));
    const namedAs = [
      ...new Set(mine.filter((e) => e.decision === 'match').map((e) => e.identityName ?? '?')),
    ];
    const bestScore = mine.length > 0 ? Math.max(...mine.map((e) => e.score)) : Number.NaN;
    let outcome: PersonOutcome;
    if (p.enrolled) {
      if (namedAs.some((n) => n !== p.watchlistName)) outcome = 'wrong name';
      else if (namedAs.length > 0) outcome = 'named';
      else outcome = tracks.length > 0 ? 'missed' : 'unseen';
    } else outcome = namedAs.length > 0 ? 'false alarm' : 'not named';
    return { id: p.id, watchlistName: p.watchlistName, tracks: tracks.length, namedAs, bestScore, outcome };
  });
}

/** A fixed-width table of the results, one line per person. */
export function formatResults(results: readonly PersonResult[]): string {
  const rows = results.map((r) => [
    r.id,
    r.watchlistName ?? '(passer-by)',
    String(r.tracks),
    r.namedAs.join(', ') || '-',
    Number.isNaN(r.bestScore) ? '-' : r.bestScore.toFixed(3),
    r.outcome,
  ]);
  const head = ['person', 'enrolled as', 'tracks', 'named as', 'best score', 'outcome'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}
