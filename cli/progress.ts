import type { CommandContext } from './command.ts';
import type { EpochRecord } from '../src/train/training-state.ts';

/** Prints training progress on stderr: one rewritten line on a terminal, one plain line per epoch otherwise. */
export function createEpochReporter(
  { log, interactive, writeProgress: write }: Pick<CommandContext, 'log' | 'interactive' | 'writeProgress'>,
  totalEpochs: number,
  label = 'train',
): { onEpoch: (record: EpochRecord) => void; done: () => void } {
  let drawn = false;
  return {
    onEpoch: (record) => {
      const score = record.validationScore === null ? 'n/a' : record.validationScore.toFixed(4);
      const text = `${label} epoch ${record.epoch}/${totalEpochs} loss ${record.trainLoss.toFixed(4)} validation score ${score} (${record.seconds.toFixed(1)}s)`;
      if (interactive) {
        const width = 20;
        const filled = Math.round((record.epoch / totalEpochs) * width);
        write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
        drawn = true;
      } else {
        log(text);
      }
    },
    done: () => {
      if (drawn) write('\n');
    },
  };
}
