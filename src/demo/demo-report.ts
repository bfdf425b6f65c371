import type { ClipTruth } from '../eval/clip-truth.ts';
import type { DemoTruth } from './demo-assets.ts';

/**
 * The demo clip's ground truth in the format `bridgeface replay --truth` reads (docs/REPLAY.md), so the
 * demo is scored by the same code as any labelled clip (src/eval/replay-score.ts). Subjects are the
 * people's identity keys: the enrolled ones are the demo watchlist's identity ids.
 */
export function demoClipTruth(truth: DemoTruth): ClipTruth {
  return {
    fps: truth.fps,
    faces: truth.persons.flatMap((p) =>
      p.track.map((t) => ({
        frame: t.frame,
        subject: p.identityKey,
        box: [t.box.x, t.box.y, t.box.width, t.box.height] as [number, number, number, number],
      })),
    ),
  };
}

/** `p0 Ada Moreno` / `p1 passer-by`: how the demo table names a subject (identity key). */
export function demoSubjectLabel(truth: DemoTruth): (subject: string) => string {
  const byKey = new Map(truth.persons.map((p) => [p.identityKey, p]));
  return (subject) => {
    const p = byKey.get(subject);
    return p ? `${p.id} ${p.watchlistName ?? 'passer-by'}` : subject;
  };
}
