import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';

/** What a finished child process left behind: its exit code (null when a signal ended it) and all it printed. */
export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `command args` in `cwd` with exactly `env` (nothing inherited beyond it) and stdin closed, and resolves with
 * its exit code and whole output once it closes; rejects only when it cannot be started.
 */
export function runProcess(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Runs an ES module `script` (text) in a fresh Node process from the temp folder, so it resolves nothing from this
 * repository but what it imports by URL.
 */
export function runNodeScript(script: string, env: NodeJS.ProcessEnv): Promise<ProcessResult> {
  return runProcess(process.execPath, ['--input-type=module', '-e', script], { cwd: tmpdir(), env });
}

/** The host's environment without Tandem's own variables (`TANDEM_*`), so only what a test passes reaches a child. */
export function environmentWithoutTandem(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TANDEM_')));
}
