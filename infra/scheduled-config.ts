import { readFileSync } from 'node:fs';
import { parseConfig } from '../src/config/load-config.ts';
import type { TandemConfig } from '../src/config/schema.ts';
import { rawDataFields } from '../src/data/raw-data-fields.ts';

/**
 * Reads the config a scheduled run starts with (the `scheduleConfigFile` context key) at synth time: it must be a
 * valid Tandem config (defaults applied, as the execution input carries it) whose every data path is an `s3://` URI,
 * since the deployed ingestion reads from S3 (the raw bucket) and never from the machine that ran `cdk synth`.
 * Throws an error naming the file and the field at fault.
 */
export function readScheduledConfig(file: string): TandemConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`scheduleConfigFile ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new Error(`scheduleConfigFile ${file}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  let config: TandemConfig;
  try {
    // No baseDir: a relative path stays relative, so the check below quotes it as the file has it.
    config = parseConfig(json, file);
  } catch (error) {
    throw new Error(`scheduleConfigFile ${(error as Error).message}`, { cause: error });
  }
  for (const { field, path } of rawDataFields(config)) {
    if (!/^s3:\/\/[^/]+\/.+/.test(path)) {
      throw new Error(`scheduleConfigFile ${file}: ${field} must be an s3:// URI (s3://<raw bucket>/<key>; the scheduled run reads its data from S3), got ${JSON.stringify(path)}`);
    }
  }
  return config;
}
