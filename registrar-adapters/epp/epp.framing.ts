/**
 * RFC 5734 framing: each EPP data unit is preceded by a 4-byte big-endian length that counts
 * the header itself.
 */

export const HEADER_BYTES = 4;
/** Registries send kilobytes; anything this large means a desynchronised or hostile stream. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export function encodeFrame(xml: string): Buffer {
  const body = Buffer.from(xml, 'utf8');
  const frame = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  frame.writeUInt32BE(HEADER_BYTES + body.length, 0);
  body.copy(frame, HEADER_BYTES);
  return frame;
}

export class FrameError extends Error {
  override readonly name = 'FrameError';
}

/** Accumulates TCP chunks and yields whole frames, however the stream was split. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): string[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: string[] = [];
    for (;;) {
      if (this.buffered < HEADER_BYTES) break;
      const head = this.peek(HEADER_BYTES);
      const total = head.readUInt32BE(0);
      if (total < HEADER_BYTES || total > MAX_FRAME_BYTES) {
        throw new FrameError(`invalid EPP frame length ${total}`);
      }
      if (this.buffered < total) break;
      const whole = this.take(total);
      frames.push(whole.subarray(HEADER_BYTES).toString('utf8'));
    }
    return frames;
  }

  private peek(bytes: number): Buffer {
    if (this.chunks[0]!.length < bytes) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, bytes);
  }

  private take(bytes: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const out = all.subarray(0, bytes);
    const rest = all.subarray(bytes);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }
}
