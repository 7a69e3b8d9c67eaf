import { spawn } from 'node:child_process';

/**
 * The first of `candidates` that can import every one of `modules` (e.g. `['sklearn', 'pandas']`), or undefined when
 * none can (or none is installed).
 */
export async function findPythonWith(modules: readonly string[], candidates: readonly string[]): Promise<string | undefined> {
  for (const candidate of candidates) {
    const { code } = await runPython(candidate, ['-c', `import ${modules.join(', ')}`], { stderr: 'ignore' }).catch(() => ({ code: -1 }));
    if (code === 0) return candidate;
  }
  return undefined;
}

/** Options of {@link runPython}. */
export interface RunPythonOptions {
  /** Text written to the child's stdin (then closed). @default nothing */
  readonly stdin?: string;
  /** Where the child's stderr goes. @default 'inherit' (progress shows on this process's stderr) */
  readonly stderr?: 'inherit' | 'ignore';
  /** Variables set over this process's environment. @default {} */
  readonly env?: Readonly<Record<string, string>>;
}

/** Runs `python args…` and resolves with its exit code and stdout; rejects only when it cannot be started. */
export function runPython(python: string, args: readonly string[], { stdin, stderr = 'inherit', env = {} }: RunPythonOptions = {}): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', stderr], env: { ...process.env, ...env } });
    let stdout = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}
