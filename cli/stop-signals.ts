/** The signals that ask Tandem to stop: Ctrl-C and `kill`. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** Exit status after a stop signal, the shell's way: 128 + the signal's number. */
export const stopSignalExitCodes: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

/** What a command that stops gracefully gets: the stop request, and a say in what a forced exit does. */
export interface StopControl {
  /** Aborted at the first SIGINT/SIGTERM; its `reason` is the signal's name. */
  readonly signal: AbortSignal;
  /** Runs `hook` (synchronously: kill what must not outlive the process) before a second signal ends it; returns its remover. */
  onForcedExit(hook: () => void): () => void;
}

/** The process's stop signals as the CLI sees them (see {@link listenForStopSignals}). */
export interface StopSignals {
  /** Resolves at the first stop signal (the `stopped` that `serve` waits on). */
  readonly stopped: Promise<void>;
  /** The command will stop by itself: from now on a first signal aborts `control.signal` instead of exiting. */
  takeOver(): StopControl;
}

/**
 * Listens for SIGINT and SIGTERM on `target` (the process; the CLI entry's composition root). Until a command takes
 * over, a stop signal exits at once with 130 or 143, so that a command with nothing to clean up (train, trial,
 * ingest, …) stops when asked instead of swallowing the signal. Once taken over, the first signal aborts the
 * command's AbortSignal (and resolves `stopped`); a second one runs the forced-exit hooks and exits at once.
 */
export function listenForStopSignals(target: Pick<NodeJS.Process, 'on' | 'exit'> = process): StopSignals {
  const controller = new AbortController();
  const hooks = new Set<() => void>();
  let takenOver = false;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  const onSignal = (signal: StopSignal): void => {
    if (takenOver && !controller.signal.aborted) {
      controller.abort(signal);
      resolveStopped();
      return;
    }
    for (const hook of hooks) {
      try {
        hook();
      } catch {
        // Exiting anyway.
      }
    }
    target.exit(stopSignalExitCodes[signal]);
  };
  target.on('SIGINT', () => onSignal('SIGINT'));
  target.on('SIGTERM', () => onSignal('SIGTERM'));
  const control: StopControl = {
    signal: controller.signal,
    onForcedExit: (hook) => {
      hooks.add(hook);
      return () => hooks.delete(hook);
    },
  };
  return {
    stopped,
    takeOver: () => {
      takenOver = true;
      return control;
    },
  };
}

/** For a CLI run without signals (tests in-process): a stop that never comes. */
export function noStopControl(): StopControl {
  return { signal: new AbortController().signal, onForcedExit: () => () => undefined };
}
