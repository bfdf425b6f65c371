import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiToken, Role } from './settings.ts';

/** The caller of a request, once its bearer token matched. */
export interface Principal {
  readonly name: string;
  readonly role: Role;
}

/** What a route needs: `public` routes skip authentication (health, static console, docs). */
export type Access = 'public' | Role;

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/**
 * Bearer-token authentication. Only SHA-256 digests of the tokens are kept; a presented token is
 * hashed and compared with every known digest by `timingSafeEqual` (equal-length digests, no early
 * exit), so the time taken says nothing about how much of a token was right or which token matched.
 */
export class TokenAuthenticator {
  private readonly entries: readonly { digest: Buffer; principal: Principal }[];

  constructor(tokens: readonly ApiToken[]) {
    this.entries = tokens.map((t) => ({
      digest: sha256(t.token),
      principal: { name: t.name, role: t.role },
    }));
  }

  /** The principal of an `Authorization` header value, or undefined. */
  authenticate(header: string | undefined): Principal | undefined {
    const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header ?? '');
    const digest = sha256(m?.[1] ?? '');
    let found: Principal | undefined;
    for (const e of this.entries) {
      // Every entry is compared even after a match.
      if (timingSafeEqual(e.digest, digest) && m !== null && found === undefined) found = e.principal;
    }
    return found;
  }
}

/** Whether `principal` may use a route needing `access` (admin includes operator). */
export function allows(principal: Principal | undefined, access: Access): boolean {
  if (access === 'public') return true;
  if (!principal) return false;
  return access === 'operator' || principal.role === 'admin';
}

export interface AuthFailureLimiterOptions {
  readonly maxFailures: number;
  readonly windowMs: number;
  /** Distinct addresses tracked at most; the oldest are forgotten first. @defaultValue 10000 */
  readonly maxTracked?: number;
  readonly now?: () => number;
}

/**
 * Per-IP counter of failed authentications in a fixed window: after `maxFailures` an address gets
 * 429 on every authenticated route until its window ends. Memory is bounded by `maxTracked`.
 */
export class AuthFailureLimiter {
  private readonly counts = new Map<string, { failures: number; resetAtMs: number }>();
  private readonly maxTracked: number;
  private readonly now: () => number;

  constructor(private readonly options: AuthFailureLimiterOptions) {
    this.maxTracked = options.maxTracked ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Seconds until `ip` may try again, or 0 when it is not blocked. */
  blockedFor(ip: string): number {
    const c = this.current(ip);
    if (!c || c.failures < this.options.maxFailures) return 0;
    return Math.max(1, Math.ceil((c.resetAtMs - this.now()) / 1000));
  }

  recordFailure(ip: string): void {
    const c = this.current(ip);
    if (c) {
      c.failures += 1;
      return;
    }
    if (this.counts.size >= this.maxTracked) {
      const oldest = this.counts.keys().next().value;
      if (oldest !== undefined) this.counts.delete(oldest);
    }
    this.counts.set(ip, { failures: 1, resetAtMs: this.now() + this.options.windowMs });
  }

  private current(ip: string): { failures: number; resetAtMs: number } | undefined {
    const c = this.counts.get(ip);
    if (c && c.resetAtMs <= this.now()) {
      this.counts.delete(ip);
      return undefined;
    }
    return c;
  }
}
