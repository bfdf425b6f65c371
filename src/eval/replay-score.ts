import type { IdentityEvent } from '../events/identity-event.ts';
import { truthSubjects, type ClipTruth } from './clip-truth.ts';

/**
 * Scores a pipeline run over a labelled clip: per truth subject, whether the watchlist named it
 * rightly, wrongly or not at all. The one implementation behind `bridgeface replay --truth` and the
 * demo's per-person table (docs/REPLAY.md describes the outcomes and the JSON).
 */

/** Enrolled subjects should be `named`; strangers `not named`. */
export type SubjectOutcome = 'named' | 'missed' | 'unseen' | 'wrong name' | 'not named' | 'false alarm';

export interface SubjectDecision {
  readonly decision: IdentityEvent['decision'];
  /** The watchlist identity id named by a match, else null. */
  readonly identity: string | null;
  readonly score: number;
  readonly facePx: number;
}

export interface SubjectScore {
  /** Whether the subject is an enrolled identity (else a stranger). */
  readonly enrolled: boolean;
  /** Tracks assigned to the subject. */
  readonly tracks: number;
  readonly outcome: SubjectOutcome;
  /** Every event of the subject's tracks (decisions and updates), in frame order. */
  readonly decisions: readonly SubjectDecision[];
}

/** The JSON of `replay --truth --json` (stable field names). */
export interface ReplayScore {
  /** Subjects of the truth that are enrolled. */
  readonly enrolled: number;
  /** Enrolled subjects named, and only by their own identity. */
  readonly enrolled_named: number;
  /** Enrolled subjects given another identity's name. */
  readonly wrong_names: number;
  /** Strangers given a watchlist name. */
  readonly false_alarms: number;
  /** Match events of tracks assigned to no subject (false detections, or faces missing from the truth). */
  readonly unassigned_match_events: number;
  /** Frames the pipeline decoded. */
  readonly frames: number;
  /** Wall-clock seconds the run took. */
  readonly seconds: number;
  readonly subjects: Readonly<Record<string, SubjectScore>>;
}

export interface ReplayScoreInput {
  readonly truth: ClipTruth;
  /** Watchlist identity ids: a truth subject with one of these ids is enrolled. */
  readonly enrolled: ReadonlySet<string>;
  readonly events: readonly IdentityEvent[];
  /** Track id → subject (see track-assignment.ts). */
  readonly trackSubjects: ReadonlyMap<string, string>;
  readonly frames: number;
  readonly seconds: number;
}

const round = (x: number): number => Math.round(x * 10_000) / 10_000;

/** Orders events by where they happened in the video (frame index), then by arrival. */
export function inFrameOrder(events: readonly IdentityEvent[]): IdentityEvent[] {
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (a.e.mediaTimeMs ?? a.e.frameTimeMs) - (b.e.mediaTimeMs ?? b.e.frameTimeMs) || a.i - b.i)
    .map(({ e }) => e);
}

function outcomeOf(
  subject: string,
  enrolled: boolean,
  tracks: number,
  named: readonly string[],
): SubjectOutcome {
  if (!enrolled) return named.length > 0 ? 'false alarm' : 'not named';
  if (named.some((n) => n !== subject)) return 'wrong name';
  if (named.length > 0) return 'named';
  return tracks > 0 ? 'missed' : 'unseen';
}

export function scoreReplay(input: ReplayScoreInput): ReplayScore {
  const events = inFrameOrder(input.events);
  const subjects: Record<string, SubjectScore> = {};
  for (const subject of truthSubjects(input.truth)) {
    const tracks = new Set([...input.trackSubjects].filter(([, s]) => s === subject).map(([t]) => t));
    const mine = events.filter((e) => tracks.has(e.trackId));
    const named = [...new Set(mine.filter((e) => e.decision === 'match').map((e) => e.identityId ?? '?'))];
    const enrolled = input.enrolled.has(subject);
    subjects[subject] = {
      enrolled,
      tracks: tracks.size,
      outcome: outcomeOf(subject, enrolled, tracks.size, named),
      decisions: mine.map((e) => ({
        decision: e.decision,
        identity: e.decision === 'match' ? e.identityId : null,
        score: round(e.score),
        facePx: round(e.facePx),
      })),
    };
  }
  const all = Object.values(subjects);
  const count = (o: SubjectOutcome): number => all.filter((s) => s.outcome === o).length;
  return {
    enrolled: all.filter((s) => s.enrolled).length,
    enrolled_named: count('named'),
    wrong_names: count('wrong name'),
    false_alarms: count('false alarm'),
    unassigned_match_events: events.filter(
      (e) => e.decision === 'match' && !input.trackSubjects.has(e.trackId),
    ).length,
    frames: input.frames,
    seconds: round(input.seconds),
    subjects,
  };
}

export interface FormatOptions {
  /** How to show a subject id (e.g. with a display name). @defaultValue the id */
  readonly label?: (subject: string) => string;
  /** How to show a named identity id. @defaultValue the id */
  readonly name?: (identityId: string) => string;
}

/** A fixed-width table, one line per subject, and a totals line. */
export function formatReplayScore(score: ReplayScore, options: FormatOptions = {}): string {
  const label = options.label ?? ((s: string) => s);
  const name = options.name ?? ((s: string) => s);
  const rows = Object.entries(score.subjects).map(([id, s]) => {
    const named = [...new Set(s.decisions.map((d) => d.identity).filter((i): i is string => i !== null))];
    const best = s.decisions.length > 0 ? Math.max(...s.decisions.map((d) => d.score)).toFixed(3) : '-';
    return [
      label(id),
      s.enrolled ? 'enrolled' : 'stranger',
      String(s.tracks),
      named.map(name).join(', ') || '-',
      best,
      s.outcome,
    ];
  });
  const head = ['subject', 'watchlist', 'tracks', 'named as', 'best score', 'outcome'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    line(head),
    ...rows.map(line),
    '',
    `enrolled named correctly: ${score.enrolled_named} of ${score.enrolled}; wrong names: ${score.wrong_names}; ` +
      `false alarms: ${score.false_alarms}; match events on no subject: ${score.unassigned_match_events}`,
  ].join('\n');
}
