/**
 * Cuts a raw byte stream (FFmpeg `-f rawvideo -pix_fmt rgb24` on a pipe) into whole frames.
 * Chunks from the pipe do not respect frame boundaries; each frame gets its own buffer, filled with
 * `Buffer.copy` (a native memcpy), so no JavaScript touches individual pixels.
 */
export class FrameAssembler {
  private current: Buffer;
  private filled = 0;

  constructor(
    readonly frameBytes: number,
    private readonly onFrame: (frame: Buffer) => void,
  ) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0) {
      throw new RangeError(`frameBytes must be a positive integer, got ${frameBytes}`);
    }
    this.current = Buffer.allocUnsafe(frameBytes);
  }

  /** Bytes of an incomplete frame held back (a truncated stream leaves some here). */
  get pendingBytes(): number {
    return this.filled;
  }

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.frameBytes - this.filled, chunk.length - offset);
      chunk.copy(this.current, this.filled, offset, offset + take);
      this.filled += take;
      offset += take;
      if (this.filled === this.frameBytes) {
        const done = this.current;
        this.current = Buffer.allocUnsafe(this.frameBytes);
        this.filled = 0;
        this.onFrame(done);
      }
    }
  }

  /** Drops a partial frame (after a stream restart the next bytes start a new frame). */
  reset(): void {
    this.filled = 0;
  }
}
