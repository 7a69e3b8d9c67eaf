import type { Command } from '../command.ts';
import { demoCommand } from './demo.ts';
import { generateCommand } from './generate.ts';
import { ingestCommand } from './ingest.ts';
import { promoteCommand } from './promote.ts';
import { rollbackCommand } from './rollback.ts';
import { scoreCommand } from './score.ts';
import { searchCommand } from './search.ts';
import { serveCommand } from './serve.ts';
import { trainCommand } from './train.ts';
import { trialCommand } from './trial.ts';

/** Every CLI command, in the order `--help` lists them. */
export const commands: readonly Command[] = [
  demoCommand,
  generateCommand,
  ingestCommand,
  trainCommand,
  searchCommand,
  scoreCommand,
  promoteCommand,
  rollbackCommand,
  serveCommand,
  trialCommand,
];
