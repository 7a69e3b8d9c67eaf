import { spawn, type ChildProcess } from 'node:child_process';
import { TandemError } from '../errors/tandem-error.ts';
import type { TrialSpec } from './trial-spec.ts';

/** How to start a worker process: the command and arguments before `--spec`. */
export interface TrialProcessCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

/** How {@link runTrialProcess} stops a worker early. */
export interface TrialProcessOptions {
  /** Aborting it stops the worker: SIGTERM to its process group, SIGKILL after `killGraceMs`; the promise rejects. */
  readonly signal?: AbortSignal;
  /**
   * Time a worker gets to exit after SIGTERM before it (and its process group) gets SIGKILL.
   * @default defaultKillGraceMs (3000)
   */
  readonly killGraceMs?: number;
}

/** A stopped worker gets this long to exit before SIGKILL: well inside the 5 s in which a stopped search must be quiet. */
export const defaultKillGraceMs = 3000;

/** Process groups exist on POSIX only: there each worker leads its own, so a signal reaches whatever it started. */
const useProcessGroups = process.platform !== 'win32';

/** A trial's worker exited badly (crashed, was killed, or reported an error). */
export class TrialProcessError extends TandemError {
  constructor(message: string, value: { code: number | null; signal: NodeJS.Signals | null }) {
    super(message, { value });
    this.name = 'TrialProcessError';
  }
}

/**
 * Runs one trial in a child process (`<command> <args> --spec <json>`, i.e. `tandem trial`), so a crash or a kill
 * takes down that trial only. Resolves when the worker exits 0 (its results are in the store); rejects with the
 * exit status and the tail of its stderr otherwise. `onStart` receives the pid (tests kill it; logs name it). On
 * POSIX the worker leads a process group of its own: a terminal's Ctrl-C reaches the search only, which stops its
 * workers itself through `options.signal`, and stopping one reaches its children too. With `signal` already
 * aborted, no worker starts.
 */
export function runTrialProcess(spec: TrialSpec, command: TrialProcessCommand, onStart?: (pid: number) => void, options: TrialProcessOptions = {}): Promise<void> {
  const { signal, killGraceMs = defaultKillGraceMs } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new TrialProcessError(`trial ${spec.trialId} not started: the search is stopping`, { code: null, signal: null }));
      return;
    }
    const child = spawn(command.command, [...command.args, '--spec', JSON.stringify(spec)], {
      env: { ...process.env, ...command.env, TANDEM_WATCH_PARENT: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: useProcessGroups,
    });
    let stderr = '';
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      signalWorker(child, 'SIGTERM');
      killTimer = setTimeout(() => signalWorker(child, 'SIGKILL'), killGraceMs);
    };
    signal?.addEventListener('abort', stop, { once: true });
    child.stderr?.on('data', (chunk: Buffer) => {
      // Only the tail matters for the error message.
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.once('spawn', () => {
      if (child.pid !== undefined) onStart?.(child.pid);
    });
    child.once('error', (error) => {
      signal?.removeEventListener('abort', stop);
      reject(new TrialProcessError(`trial ${spec.trialId} could not start: ${error.message}`, { code: null, signal: null }));
    });
    child.once('close', (code, exitSignal) => {
      signal?.removeEventListener('abort', stop);
      clearTimeout(killTimer);
      // Whatever the worker left running in its group goes with it.
      if (killTimer !== undefined) signalWorker(child, 'SIGKILL');
      if (code === 0) return resolve();
      const reason = signal?.aborted === true ? `stopped (${exitSignal ?? `status ${code}`})` : exitSignal !== null ? `killed by ${exitSignal}` : `exited with status ${code}`;
      const lastLine = stderr.trim().split('\n').filter((line) => line.startsWith('error:')).pop() ?? stderr.trim().split('\n').pop() ?? '';
      reject(new TrialProcessError(`trial ${spec.trialId} ${reason}${lastLine === '' ? '' : `: ${lastLine}`}`, { code, signal: exitSignal }));
    });
  });
}

/** Sends `signal` to the worker's process group (POSIX), else to the worker; one already gone is fine. */
function signalWorker(child: Pick<ChildProcess, 'pid'>, signal: NodeJS.Signals): void {
  signalWorkerPid(child.pid, signal);
}

/** Sends `signal` to the process group that worker `pid` leads (POSIX), else to `pid`; one already gone is fine. */
export function signalWorkerPid(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(useProcessGroups ? -pid : pid, signal);
  } catch {
    // ESRCH: it has exited already.
  }
}
