import type { IdentityEvent } from '../events/identity-event.ts';
import type { Decision } from '../match/decision.ts';

export interface PriorDecision {
  readonly decision: Decision;
  readonly score: number;
  readonly identityId: string | null;
}

/** What recording a decision found: the event it makes (none: nothing new) and the decision before it. */
export interface RecordedDecision {
  readonly kind: IdentityEvent['kind'] | null;
  readonly prior: PriorDecision | undefined;
}

/**
 * The event a track's new decision makes: `decision` for its first, `update` only when a match appears
 * or firms up (a new identity, or a score at least `updateMinGain` above the last), else none.
 */
export function eventKindFor(
  prior: PriorDecision | undefined,
  next: PriorDecision,
  updateMinGain: number,
): IdentityEvent['kind'] | null {
  if (!prior) return 'decision';
  if (next.decision !== 'match') return null;
  if (
    prior.decision !== 'match' ||
    prior.identityId !== next.identityId ||
    next.score >= prior.score + updateMinGain
  )
    return 'update';
  return null;
}

/**
 * The last decision per track, so later submissions of the same track emit updates, not duplicates.
 * `record` reads, decides (`eventKindFor`) and writes in one step: two jobs of one track handled at
 * once cannot both emit `decision`.
 */
export interface DecisionMemory {
  get(trackId: string): Promise<PriorDecision | undefined>;
  /** Records `next` as the track's last decision when it makes an event; says which event, and what was before. */
  record(trackId: string, next: PriorDecision, updateMinGain: number): Promise<RecordedDecision>;
  /** Puts `prior` back when the event of `next` could not be written, unless another decision came since. */
  restore(trackId: string, next: PriorDecision, prior: PriorDecision | undefined): Promise<void>;
}

function sameDecision(a: PriorDecision | undefined, b: PriorDecision): boolean {
  return a?.decision === b.decision && a.score === b.score && a.identityId === b.identityId;
}

/** In-process memory (embedded mode), bounded: oldest tracks are forgotten first. */
export class LocalDecisionMemory implements DecisionMemory {
  private readonly map = new Map<string, PriorDecision>();
  constructor(private readonly maxTracks = 100_000) {}

  async get(trackId: string): Promise<PriorDecision | undefined> {
    return this.map.get(trackId);
  }

  // No await between the read and the write: atomic within the process.
  async record(trackId: string, next: PriorDecision, updateMinGain: number): Promise<RecordedDecision> {
    const prior = this.map.get(trackId);
    const kind = eventKindFor(prior, next, updateMinGain);
    if (kind !== null) this.put(trackId, next);
    return { kind, prior };
  }

  async restore(trackId: string, next: PriorDecision, prior: PriorDecision | undefined): Promise<void> {
    if (!sameDecision(this.map.get(trackId), next)) return;
    if (prior) this.put(trackId, prior);
    else this.map.delete(trackId);
  }

  private put(trackId: string, d: PriorDecision): void {
    this.map.delete(trackId);
    this.map.set(trackId, d);
    if (this.map.size > this.maxTracks) this.map.delete(this.map.keys().next().value!);
  }
}
