import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { TrialProcessCommand } from '../src/search/trial-process.ts';

/** How `search` starts a worker: this Node.js, with tsx, running `bin/tandem.ts trial` against the same store. */
export function trialWorkerCommand(storeUri: string, backend: string | undefined): TrialProcessCommand {
  return {
    command: process.execPath,
    args: ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('../bin/tandem.ts', import.meta.url)), 'trial', '--store', storeUri, '--json'],
    ...(backend === undefined ? {} : { env: { TANDEM_BACKEND: backend } }),
  };
}

/** The default number of trials run at once: one per core. */
export function defaultParallelism(): number {
  return availableParallelism();
}
