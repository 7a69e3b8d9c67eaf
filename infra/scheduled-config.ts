import { readFileSync } from 'node:fs';
import { parseConfig } from '../src/config/load-config.ts';
import type { TandemConfig } from '../src/config/schema.ts';
import { rawDataFields } from '../src/data/raw-data-fields.ts';

/** The config a schedule deployed without `scheduleConfigFile` carries (disabled): the shape of a scheduled config. */
export const exampleScheduleConfigFile = 'tandem.config.aws.example.json';

/** The bucket name that stands for the deployment's raw bucket in a scheduled config: `s3://RAW_BUCKET/<key>`. */
export const rawBucketPlaceholder = 'RAW_BUCKET';

/**
 * The config with every data path `s3://RAW_BUCKET/<key>` pointing at `s3://<rawBucketName>/<key>` (the name may be
 * a token: the raw bucket's name as the data stack exports it), and so does `scoring.input`. Other paths are kept.
 */
export function withRawBucket(config: TandemConfig, rawBucketName: string): TandemConfig {
  const placeholder = `s3://${rawBucketPlaceholder}/`;
  const data = Object.fromEntries(Object.entries(config.data).map(([key, value]) =>
    [key, typeof value === 'string' && value.startsWith(placeholder) ? `s3://${rawBucketName}/${value.slice(placeholder.length)}` : value]));
  const scoring = config.scoring === undefined || !config.scoring.input.startsWith(placeholder) ? config.scoring : { ...config.scoring, input: `s3://${rawBucketName}/${config.scoring.input.slice(placeholder.length)}` };
  return { ...config, data, ...(scoring === undefined ? {} : { scoring }) } as TandemConfig;
}

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
      throw new Error(`scheduleConfigFile ${file}: ${field} must be an s3:// URI (s3://${rawBucketPlaceholder}/<key> for the deployment's raw bucket; the scheduled run reads its data from S3), got ${JSON.stringify(path)}`);
    }
  }
  // The scoring job and the rescore function read the base from S3 (grants scoped to this prefix at synth).
  if (config.scoring !== undefined && !/^s3:\/\/[^/]+\//.test(config.scoring.input)) {
    throw new Error(`scheduleConfigFile ${file}: scoring.input must be an s3:// prefix (s3://${rawBucketPlaceholder}/<prefix> for the deployment's raw bucket), got ${JSON.stringify(config.scoring.input)}`);
  }
  return config;
}
