import { runCli } from '../../cli/main.ts';

/** The outcome of one in-process CLI call. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `tandem <argv>` in this process with captured output (same code path as bin/tandem.ts). `stopped` is the
 * stop signal (Ctrl-C) the command sees: already given by default; pass a promise that never settles for a command
 * that gives up early once stopped (e.g. `run --remote` stops following the execution).
 */
export async function runCliInProcess(argv: readonly string[], env: NodeJS.ProcessEnv = {}, stopped: Promise<void> = Promise.resolve()): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    interactive: false,
    env,
    stopped,
  });
  return { code, stdout, stderr };
}
