import type { Flags } from './command.ts';

/** The global `--data FILE` (table mode) and `--raw DIR` (events mode) flags, for `ingestDataset`. */
export function dataFlags(flags: Flags): { dataPath?: string; rawDir?: string } {
  return {
    ...(typeof flags.data === 'string' ? { dataPath: flags.data } : {}),
    ...(typeof flags.raw === 'string' ? { rawDir: flags.raw } : {}),
  };
}
