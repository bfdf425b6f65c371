import { ApiError } from './api-error.ts';

export interface SseSlotLimits {
  /** Concurrent live-alert clients in all. */
  readonly maxClients: number;
  /** Concurrent live-alert clients of one token (its principal name). */
  readonly maxClientsPerToken: number;
}

/**
 * Counts live-alert (SSE) connections, globally and per token, so that one token cannot hold every
 * slot. `acquire` reserves a slot before any Redis work and returns its release (idempotent); a failed
 * connection releases it at once, so no failure can leak a slot.
 */
export class SseSlots {
  private total = 0;
  private readonly byToken = new Map<string, number>();

  constructor(private readonly limits: SseSlotLimits) {}

  get size(): number {
    return this.total;
  }

  /** Reserves a slot for `token`; throws 503 TOO_MANY_CLIENTS when either limit is reached. */
  acquire(token: string): () => void {
    const mine = this.byToken.get(token) ?? 0;
    if (this.total >= this.limits.maxClients) {
      throw new ApiError('TOO_MANY_CLIENTS', 'too many live alert clients');
    }
    if (mine >= this.limits.maxClientsPerToken) {
      throw new ApiError('TOO_MANY_CLIENTS', 'too many live alert clients for this token');
    }
    this.total += 1;
    this.byToken.set(token, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.byToken.get(token) ?? 1) - 1;
      if (left > 0) this.byToken.set(token, left);
      else this.byToken.delete(token);
    };
  }
}
