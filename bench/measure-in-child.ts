import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs this bench's own `script` (its `import.meta.url`) again in a fresh Node process with `args`, so that time and
 * peak RSS are that measurement's alone, and resolves with the JSON the child prints on stdout (its stderr passes
 * through).
 * @throws Error when the child exits with another code than 0.
 */
export function measureInChild<T>(script: string, args: readonly string[]): Promise<T> {
  const argv = [...process.execArgv, fileURLToPath(script), ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`measuring child exited with ${String(code)}`))));
  });
}

/** This process's peak resident memory so far, in MB. */
export function peakRssMB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
