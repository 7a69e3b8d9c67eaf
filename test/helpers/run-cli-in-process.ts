import { runCli } from '../../cli/main.ts';

/** The outcome of one in-process CLI call. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `tandem <argv>` in this process with captured output (same code path as bin/tandem.ts). */
export async function runCliInProcess(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
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
    stopped: Promise.resolve(),
  });
  return { code, stdout, stderr };
}
