import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnvironment, logLevelSetting } from '../config/environment.ts';
import type { RedisClient } from '../store/redis-connection.ts';
import type { RedisKeys } from '../store/redis-keys.ts';
import { readWorkerSnapshots } from './worker-stats.ts';

const ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'worker-entry.ts');

export class WorkerPoolError extends Error {
  readonly code = 'LOADGEN_WORKER';
  constructor(message: string) {
    super(message);
    this.name = 'WorkerPoolError';
  }
}

interface Child {
  readonly id: string;
  readonly proc: ChildProcess;
  stderr: string;
  exit: Promise<number | null>;
  exited: boolean;
}

export interface WorkerPoolOptions {
  readonly count: number;
  /** Config file the workers load (redis url + prefix, embed, match, events sections). */
  readonly configPath: string;
  /** Log level of the workers. @defaultValue BRIDGEFACE_LOG_LEVEL or 'warn' */
  readonly logLevel?: string;
  /** Extra environment (e.g. BRIDGEFACE_BACKEND). */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Embed worker processes (`worker-entry.ts`: the production embed role + a stats reporter), started
 * with this Node and tsx. Stopping sends SIGTERM (graceful: current jobs finish), then SIGKILL after
 * a grace period; only the processes this pool started are signalled.
 */
export class WorkerPool {
  private readonly children: Child[] = [];
  private closing: Promise<void> | undefined;

  constructor(private readonly options: WorkerPoolOptions) {
    if (!Number.isInteger(options.count) || options.count < 1) {
      throw new RangeError(`worker count must be a positive integer, got ${options.count}`);
    }
  }

  get ids(): string[] {
    return this.children.map((c) => c.id);
  }

  start(): void {
    for (let i = 0; i < this.options.count; i++) {
      const id = `w${i + 1}`;
      const proc = spawn(process.execPath, ['--import', 'tsx', ENTRY, this.options.configPath, id], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: childEnvironment({
          BRIDGEFACE_LOG_LEVEL: this.options.logLevel ?? logLevelSetting() ?? 'warn',
          ...this.options.env,
        }),
      });
      const child: Child = { id, proc, stderr: '', exited: false, exit: Promise.resolve(null) };
      proc.stderr?.on('data', (c: Buffer) => (child.stderr = (child.stderr + c.toString()).slice(-4000)));
      child.exit = new Promise((resolve) => {
        proc.on('error', () => resolve(null));
        proc.on('exit', (code) => resolve(code));
      }).then((code) => {
        child.exited = true;
        return code as number | null;
      });
      this.children.push(child);
    }
  }

  /** Throws naming the worker when one has exited (with the tail of its stderr). */
  assertAlive(): void {
    const dead = this.children.find((c) => c.exited);
    if (dead) throw new WorkerPoolError(`worker ${dead.id} exited: ${dead.stderr.trim().slice(-1500)}`);
  }

  /** Waits until every worker has published a stats snapshot (its embed role is up). */
  async waitReady(redis: RedisClient, keys: RedisKeys, timeoutMs = 180_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      this.assertAlive();
      const snaps = await readWorkerSnapshots(redis, keys);
      if (this.children.every((c) => snaps.has(c.id))) return;
      if (Date.now() > end) throw new WorkerPoolError(`workers not ready after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Stops every worker (SIGTERM, then SIGKILL after `graceMs`). Idempotent. */
  close(graceMs = 15_000): Promise<void> {
    this.closing ??= Promise.all(
      this.children.map(async (c) => {
        if (c.exited) return;
        c.proc.kill('SIGTERM');
        const timer = setTimeout(() => {
          if (!c.exited) c.proc.kill('SIGKILL');
        }, graceMs);
        await c.exit;
        clearTimeout(timer);
      }),
    ).then(() => undefined);
    return this.closing;
  }
}
