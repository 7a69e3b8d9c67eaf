import { TandemError, type TandemErrorOptions } from './tandem-error.ts';

/** Exit status of a process stopped by a signal, the shell's way (128 + the signal's number). */
const signalExitCodes: Readonly<Record<string, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/**
 * Work was stopped on request (Ctrl-C, SIGTERM) before it ended: not a failure. The CLI exits with 128 + the signal's
 * number (130 for SIGINT, 143 for SIGTERM). `runId` names the run left behind (marked `interrupted`), if one was
 * created, so the message can say how to resume it.
 */
export class InterruptedError extends TandemError {
  override readonly exitCode: number;
  /** The signal's name (`SIGINT`, `SIGTERM`) or whatever reason the AbortSignal carried. */
  readonly signal: string;
  readonly runId: string | null;

  constructor(message: string, { signal, runId = null, ...options }: TandemErrorOptions & { readonly signal: string; readonly runId?: string | null }) {
    super(message, { value: signal, ...options });
    this.name = 'InterruptedError';
    this.signal = signal;
    this.runId = runId;
    this.exitCode = signalExitCodes[signal] ?? 130;
  }
}

/** The signal name an AbortSignal was aborted with (`SIGINT`/`SIGTERM` from the CLI), else `SIGINT`. */
export function signalOfAbort(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  return typeof reason === 'string' ? reason : 'SIGINT';
}
