import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { CommandContext } from './command.ts';

/**
 * The global `--data FILE` (table mode) and `--raw DIR` (events mode) flags for `ingestDataset`, with the S3 client
 * settings of the environment (`TANDEM_S3_ENDPOINT`) for data read from s3://, whatever the store, and the config's
 * data paths as written (for messages about a missing file).
 */
export function dataFlags({
  flags,
  env,
  configDataPaths,
}: Pick<CommandContext, 'flags' | 'env' | 'configDataPaths'>): { dataPath?: string; rawDir?: string; s3ClientConfig: S3ClientConfig; writtenDataPaths: Readonly<Record<string, string>> } {
  return {
    writtenDataPaths: configDataPaths?.() ?? {},
    ...(typeof flags.data === 'string' ? { dataPath: flags.data } : {}),
    ...(typeof flags.raw === 'string' ? { rawDir: flags.raw } : {}),
    s3ClientConfig: env.s3ClientConfig,
  };
}
