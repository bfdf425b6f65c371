import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import type { PassThrough } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import type { RgbImage } from '../image/rgb-image.ts';
import { log } from '../util/log.ts';
import { maskUrlPassword } from '../util/mask-url-password.ts';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from '../util/backoff.ts';
import { CameraUrlRefusedError, parseNetworkUrl, type CameraNetworkPolicy } from './camera-network-policy.ts';
import { FrameAssembler } from './frame-assembler.ts';

/** connecting → live → (ended | backoff → connecting …) ; failed after maxRestarts; stopped by close(). */
export type CameraState = 'connecting' | 'live' | 'backoff' | 'failed' | 'ended' | 'stopped';

export interface CameraSourceOptions {
  readonly id: string;
  /** rtsp://, rtsps://, http(s):// or a file path / file:// URL. */
  readonly url: string;
  /** Frames per second delivered (FFmpeg's fps filter drops/duplicates to reach it). */
  readonly fps: number;
  readonly width: number;
  readonly height: number;
  /** Files only: loop forever instead of ending. @defaultValue false */
  readonly loop?: boolean;
  /** Files only: read at the clip's own speed (-re) instead of as fast as possible. @defaultValue false */
  readonly realtime?: boolean;
  /** @defaultValue DEFAULT_BACKOFF */
  readonly backoff?: BackoffOptions;
  /** Give up (state `failed`) after this many consecutive failed starts. @defaultValue Infinity */
  readonly maxRestarts?: number;
  /** A live stream that delivers no frame for this long is restarted (watchdog). @defaultValue 10000 */
  readonly stallTimeoutMs?: number;
  readonly ffmpegPath: string;
  /**
   * Where network cameras may connect: checked (the host resolved) before every FFmpeg start; a
   * refused address fails the camera. The config's api.cameraNetworks feeds it in the pipeline.
   */
  readonly networkPolicy: CameraNetworkPolicy;
}

export interface Frame {
  readonly cameraId: string;
  /** Frame number since the source started (across restarts). */
  readonly seq: number;
  /** Wall-clock time the frame was read, ms since epoch. */
  readonly timeMs: number;
  readonly image: RgbImage;
}

export interface CameraStatus {
  readonly id: string;
  readonly state: CameraState;
  readonly lastFrameTimeMs: number | null;
  readonly frames: number;
  readonly restarts: number;
  readonly lastError: string | null;
  /** When the next reconnect is due (state `backoff`). */
  readonly nextAttemptAtMs: number | null;
}

interface CameraSourceEvents {
  frame: [Frame];
  state: [CameraStatus];
}

function isStream(url: string): boolean {
  return /^(rtsps?|https?):\/\//i.test(url);
}

/** Protocols FFmpeg may use per camera scheme: no file:, no other schemes a playlist could name. */
const PROTOCOLS: Readonly<Record<string, string>> = {
  rtsp: 'rtsp,rtp,srtp,udp,tcp,tls,http,https',
  http: 'http,https,tcp,tls,crypto',
};

/**
 * One FFmpeg process per camera, decoding to raw RGB frames at a fixed size and rate. Failures never
 * escape: the source logs them, reports its state, and reconnects with capped exponential backoff
 * and jitter, so one bad camera cannot take the process down.
 */
export class CameraSource extends EventEmitter<CameraSourceEvents> {
  private state: CameraState = 'stopped';
  private command: ffmpeg.FfmpegCommand | undefined;
  private output: PassThrough | undefined;
  private paused = false;
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private consecutiveFailures = 0;
  private frames = 0;
  private restarts = 0;
  private lastFrameTimeMs: number | null = null;
  private lastError: string | null = null;
  private nextAttemptAtMs: number | null = null;
  private closing = false;
  private readonly assembler: FrameAssembler;

  constructor(readonly options: CameraSourceOptions) {
    super();
    const { width, height, fps } = options;
    if (!(width > 0 && height > 0 && Number.isInteger(width) && Number.isInteger(height))) {
      throw new RangeError(
        `camera ${options.id}: width/height must be positive integers, got ${width}x${height}`,
      );
    }
    if (!(fps > 0)) throw new RangeError(`camera ${options.id}: fps must be > 0, got ${fps}`);
    this.assembler = new FrameAssembler(width * height * 3, (buf) => this.deliver(buf));
  }

  status(): CameraStatus {
    return {
      id: this.options.id,
      state: this.state,
      lastFrameTimeMs: this.lastFrameTimeMs,
      frames: this.frames,
      restarts: this.restarts,
      lastError: this.lastError,
      nextAttemptAtMs: this.nextAttemptAtMs,
    };
  }

  start(): void {
    if (this.state !== 'stopped' || this.closing) return;
    this.spawn();
  }

  private setState(state: CameraState): void {
    this.state = state;
    this.emit('state', this.status());
  }

  /**
   * Checks the camera's host against the network policy (resolving it now), then starts FFmpeg on
   * the parsed URL. A refused host fails the camera; an unresolvable one backs off and retries.
   */
  private spawn(): void {
    this.assembler.reset();
    this.nextAttemptAtMs = null;
    this.setState('connecting');
    const network = parseNetworkUrl(this.options.url);
    if (!network) {
      const path = this.options.url.replace(/^file:\/\//, '');
      // A missing file will not appear by retrying: fail at once, saying so (the console shows `failed`).
      if (!existsSync(path)) this.fail(`file not found: ${path}`);
      else this.startFfmpeg(path);
      return;
    }
    this.options.networkPolicy.check(network.href).then(
      () => {
        if (!this.closing) this.startFfmpeg(network.href);
      },
      (err: unknown) => {
        if (this.closing) return;
        const message = err instanceof Error ? err.message : String(err);
        if (err instanceof CameraUrlRefusedError) this.fail(message);
        else this.retryLater(message);
      },
    );
  }

  private startFfmpeg(input: string): void {
    const o = this.options;
    const inputOptions: string[] = [];
    const scheme = /^(rtsps?|https?):/i.exec(input)?.[1]?.toLowerCase();
    if (scheme !== undefined) {
      inputOptions.push('-protocol_whitelist', PROTOCOLS[scheme.startsWith('rtsp') ? 'rtsp' : 'http']!);
    }
    if (scheme?.startsWith('rtsp')) inputOptions.push('-rtsp_transport', 'tcp');
    if (!isStream(o.url)) {
      if (o.loop) inputOptions.push('-stream_loop', '-1');
      if (o.realtime) inputOptions.push('-re');
    }
    const cmd = ffmpeg(input)
      .setFfmpegPath(o.ffmpegPath)
      .inputOptions(inputOptions)
      .noAudio()
      .videoFilters([`fps=${o.fps}`, `scale=${o.width}:${o.height}`])
      .outputOptions(['-f', 'rawvideo', '-pix_fmt', 'rgb24'])
      .on('error', (err: Error) => this.onExit(err))
      .on('end', () => this.onExit(undefined));
    this.command = cmd;
    // Without a destination fluent-ffmpeg returns a PassThrough carrying FFmpeg's stdout.
    const out = cmd.pipe() as PassThrough;
    this.output = out;
    if (this.paused) out.pause();
    out.on('data', (chunk: Buffer) => this.assembler.push(chunk));
    out.on('error', (err: Error) => this.onExit(err));
  }

  private deliver(buf: Buffer): void {
    if (this.closing) return;
    const now = Date.now();
    if (this.state !== 'live') {
      this.consecutiveFailures = 0;
      this.lastFrameTimeMs = now;
      this.setState('live');
    }
    this.lastFrameTimeMs = now;
    this.armWatchdog();
    const image: RgbImage = {
      width: this.options.width,
      height: this.options.height,
      data: new Uint8Array(buf.buffer, buf.byteOffset, buf.length),
    };
    this.emit('frame', { cameraId: this.options.id, seq: this.frames++, timeMs: now, image });
  }

  /**
   * Backpressure for clips processed as fast as possible: while paused FFmpeg blocks on its pipe, so
   * no frame is lost. Live streams should not be paused (their server keeps sending): skip frames instead.
   */
  pause(): void {
    this.paused = true;
    clearTimeout(this.watchdog);
    this.output?.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.output?.resume();
    if (this.state === 'live') this.armWatchdog();
  }

  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    if (this.paused) return;
    const ms = this.options.stallTimeoutMs ?? 10_000;
    this.watchdog = setTimeout(() => {
      log.warn({ camera: this.options.id, ms }, 'camera stalled: no frame, restarting FFmpeg');
      this.command?.kill('SIGKILL');
    }, ms);
    this.watchdog.unref();
  }

  /** Marks the camera failed for good (no retry), with a masked reason. */
  private fail(reason: string): void {
    this.lastError = maskUrlPassword(reason);
    log.error({ camera: this.options.id, error: this.lastError }, 'camera failed');
    this.setState('failed');
  }

  private onExit(err: Error | undefined): void {
    if (this.command === undefined) return; // already handled (error and end can both fire)
    this.command = undefined;
    this.output = undefined;
    clearTimeout(this.watchdog);
    if (this.closing) return;
    if (err === undefined && !isStream(this.options.url) && !this.options.loop) {
      if (this.assembler.pendingBytes > 0) {
        log.warn(
          { camera: this.options.id, bytes: this.assembler.pendingBytes },
          'clip ended with a partial frame',
        );
      }
      this.setState('ended');
      return;
    }
    this.retryLater(err ? (err.message.split('\n')[0] ?? '') : 'stream ended');
  }

  /** Counts a failed start (unless the stream was live) and reconnects after a backoff, or fails. */
  private retryLater(reason: string): void {
    const message = maskUrlPassword(reason);
    this.lastError = message;
    if (this.state !== 'live') this.consecutiveFailures++;
    const max = this.options.maxRestarts ?? Infinity;
    if (this.consecutiveFailures > max) {
      log.error(
        { camera: this.options.id, error: message, failures: this.consecutiveFailures },
        'camera failed',
      );
      this.setState('failed');
      return;
    }
    const delay = backoffDelay(this.consecutiveFailures, this.options.backoff ?? DEFAULT_BACKOFF);
    log.warn({ camera: this.options.id, error: message, delayMs: delay }, 'camera stream lost, reconnecting');
    this.nextAttemptAtMs = Date.now() + delay;
    this.setState('backoff');
    this.timer = setTimeout(() => {
      this.restarts++;
      this.spawn();
    }, delay);
  }

  /** Stops FFmpeg and any pending reconnect; idempotent. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.timer);
    clearTimeout(this.watchdog);
    const cmd = this.command;
    this.command = undefined;
    if (cmd) cmd.kill('SIGKILL');
    this.state = 'stopped';
    this.emit('state', this.status());
  }
}
