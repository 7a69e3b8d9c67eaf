import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';

/** Lines buffered before they are handed to the file stream: small enough to die young in the garbage collector. */
const chunkLines = 1000;

/**
 * A CSV file written line by line into `<file>.tmp`, in chunks of a thousand lines with the stream's backpressure
 * respected, and renamed to `file` only by {@link ShopCsvWriter.publish}: a reader never sees a partial file.
 */
export class ShopCsvWriter {
  /** Data rows added so far (the header excluded). */
  rows = 0;
  private readonly stream: WriteStream;
  private readonly tmp: string;
  private lines: string[] = [];
  private error: unknown = undefined;
  private published = false;

  /** Opens `<file>.tmp` and queues the header line (column names, comma-separated). */
  constructor(
    private readonly file: string,
    columns: readonly string[],
  ) {
    this.tmp = `${file}.tmp`;
    this.stream = createWriteStream(this.tmp, { encoding: 'utf8' });
    // Remember the failure; the next write or commit throws it (an unheard 'error' event would crash the process).
    this.stream.on('error', (error) => {
      this.error ??= error;
    });
    this.lines.push(columns.join(','));
  }

  /** Adds one data line (cells already joined, no newline). */
  add(line: string): void {
    this.lines.push(line);
    this.rows++;
  }

  /** Hands the buffered lines to the file once there are a chunk's worth, waiting while the stream is full. */
  async flushIfFull(): Promise<void> {
    if (this.lines.length >= chunkLines) await this.flush();
  }

  /** Writes what is buffered and closes `<file>.tmp`; {@link ShopCsvWriter.publish} then puts it in place. */
  async finish(): Promise<void> {
    await this.flush();
    this.stream.end();
    await finished(this.stream);
    this.throwIfFailed();
  }

  /** Renames the finished `<file>.tmp` to `file` (replacing an older one). */
  async publish(): Promise<void> {
    await rename(this.tmp, this.file);
    this.published = true;
  }

  /** Stops writing and removes what this writer wrote, `<file>.tmp` or the published file; never throws. */
  async discard(): Promise<void> {
    this.stream.destroy();
    await finished(this.stream).catch(() => undefined);
    await rm(this.published ? this.file : this.tmp, { force: true }).catch(() => undefined);
  }

  private async flush(): Promise<void> {
    this.throwIfFailed();
    if (this.lines.length === 0) return;
    const text = `${this.lines.join('\n')}\n`;
    this.lines = [];
    if (!this.stream.write(text)) await drainOrClose(this.stream);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.error !== undefined) throw this.error;
  }
}

/** Resolves when the stream can take more text, or has closed (after an error, which `error` then holds). */
function drainOrClose(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
