import type { CommandContext } from './command.ts';
import type { StreamProgress } from '../src/serve/stream-scores.ts';

/** Options of {@link createScoreProgress}. */
export interface ScoreProgressOptions {
  /** What `StreamProgress.done` counts up to (bytes or rows of the input); 0 when unknown (no percentage, no ETA). */
  readonly size: number;
  /** Seconds between plain lines when stderr is not a terminal. @default 10 */
  readonly lineSeconds?: number;
  /** Clock in milliseconds. @default performance.now */
  readonly now?: () => number;
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * Batch scoring's progress on stderr: rows scored, rows/s, and with a known input size the share read and an ETA
 * (from the bytes or rows read so far). On a terminal one line rewritten at most 5 times a second; otherwise a plain
 * line every `lineSeconds`, so logs stay short.
 */
export function createScoreProgress(
  { log, interactive, writeProgress: write }: Pick<CommandContext, 'log' | 'interactive' | 'writeProgress'>,
  { size, lineSeconds = 10, now = () => performance.now() }: ScoreProgressOptions,
): { onProgress: (progress: StreamProgress) => void; done: () => void } {
  const start = now();
  let last = start;
  let drawn = false;
  return {
    onProgress: ({ rows, rejected, done }) => {
      const at = now();
      if (at - last < (interactive ? 200 : lineSeconds * 1000)) return;
      last = at;
      const seconds = (at - start) / 1000;
      const rate = Math.round((rows + rejected) / Math.max(seconds, 1e-3));
      const share = size > 0 ? Math.min(1, done / size) : undefined;
      const eta = share === undefined || share === 0 ? '' : `, ETA ${formatSeconds((seconds * (1 - share)) / share)}`;
      const text = `score ${rows.toLocaleString('en-US')} rows${rejected > 0 ? ` (${rejected.toLocaleString('en-US')} rejected)` : ''}${share === undefined ? '' : ` ${(share * 100).toFixed(0)}%`}, ${rate.toLocaleString('en-US')} rows/s${eta}`;
      if (interactive) {
        write(`\r${text}\x1b[K`);
        drawn = true;
      } else {
        log(text);
      }
    },
    done: () => {
      if (drawn) write('\n');
    },
  };
}
