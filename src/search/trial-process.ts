import { spawn } from 'node:child_process';
import { TandemError } from '../errors/tandem-error.ts';
import type { TrialSpec } from './trial-spec.ts';

/** How to start a worker process: the command and arguments before `--spec`. */
export interface TrialProcessCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

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
 * exit status and the tail of its stderr otherwise. `onStart` receives the pid (tests kill it; logs name it).
 */
export function runTrialProcess(spec: TrialSpec, command: TrialProcessCommand, onStart?: (pid: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command.command, [...command.args, '--spec', JSON.stringify(spec)], {
      env: { ...process.env, ...command.env, TANDEM_WATCH_PARENT: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      // Only the tail matters for the error message.
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.once('spawn', () => {
      if (child.pid !== undefined) onStart?.(child.pid);
    });
    child.once('error', (error) => reject(new TrialProcessError(`trial ${spec.trialId} could not start: ${error.message}`, { code: null, signal: null })));
    child.once('close', (code, signal) => {
      if (code === 0) return resolve();
      const reason = signal !== null ? `killed by ${signal}` : `exited with status ${code}`;
      const lastLine = stderr.trim().split('\n').filter((line) => line.startsWith('error:')).pop() ?? stderr.trim().split('\n').pop() ?? '';
      reject(new TrialProcessError(`trial ${spec.trialId} ${reason}${lastLine === '' ? '' : `: ${lastLine}`}`, { code, signal }));
    });
  });
}
