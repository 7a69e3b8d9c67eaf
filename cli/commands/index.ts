import type { Command } from '../command.ts';
import { ingestCommand } from './ingest.ts';
import { promoteCommand } from './promote.ts';
import { rollbackCommand } from './rollback.ts';
import { scoreCommand } from './score.ts';
import { trainCommand } from './train.ts';

/** Every CLI command, in the order `--help` lists them. */
export const commands: readonly Command[] = [ingestCommand, trainCommand, scoreCommand, promoteCommand, rollbackCommand];
