import type { Node } from 'constructs';
import { defaultBatchIngestMinBytes, defaultDistributedMapMinTrials } from '../workflows/tandem-workflow.ts';

/**
 * Every deploy-time setting of the CDK app, read from `cdk.json` context (or `cdk deploy -c key=value`).
 * The defaults below are the documented ones; `cdk.json` repeats them so they are visible in one place.
 */
export interface TandemContext {
  /** Prefix of every stack name (`<prefix>-data`, `<prefix>-training`, ...). Default `Tandem`. */
  readonly stackPrefix: string;
  /** GPU instance types of the Batch training compute environment. Default `['g5.xlarge', 'g4dn.xlarge']`. */
  readonly gpuInstanceTypes: readonly string[];
  /** Run GPU trials on spot instances (cheaper, may be interrupted; the workflow retries). Default `false`. */
  readonly spot: boolean;
  /** Upper bound of vCPUs the GPU compute environment may scale to. Default `16`. */
  readonly gpuMaxVcpus: number;
  /** Upper bound of vCPUs of the Fargate (CPU, small data) compute environment. Default `16`. */
  readonly cpuMaxVcpus: number;
  /** Days before raw uploads move to infrequent access. Default `30`. */
  readonly rawInfrequentAccessDays: number;
  /** Days before noncurrent object versions expire. Default `90`. */
  readonly noncurrentVersionExpirationDays: number;
  /** EventBridge Scheduler expression of the retraining run. Default `rate(7 days)`. */
  readonly scheduleExpression: string;
  /** The Tandem config file (every data path an s3:// URI, checked at synth) each scheduled run starts with. Default `tandem.config.aws.example.json`. */
  readonly scheduleConfigFile: string;
  /** Trials of one ASHA rung trained at once (the rung Map's MaxConcurrency, inline or Distributed). Default `4`. */
  readonly maxConcurrency: number;
  /**
   * Trials in a rung from which the rung runs in a Distributed Map (each trial a child execution) instead of an
   * inline Map. Default `40` (an inline Map runs at most 40 iterations at once, and all of a run's trials share one
   * 25,000-event execution history).
   */
  readonly distributedMapMinTrials: number;
  /**
   * Raw input size in bytes (all files of the config together) from which ingestion runs as a CPU (Fargate) Batch
   * job instead of in the ingest Lambda; 0 sends every ingestion to Batch. Default `67108864` (64 MiB: table-mode
   * ingestion holds the table in memory at about 30x its CSV size, and the Lambda has 3008 MB).
   */
  readonly batchIngestMinBytes: number;
  /** E-mail address subscribed to failure notifications; none when empty. Default `''`. */
  readonly notificationEmail: string;
  /**
   * Start every Lambda with `NODE_OPTIONS=--enable-source-maps`, so stack traces in the logs name the TypeScript
   * files and lines. Default `false`: the source map is still shipped beside each bundle (decode a minified trace
   * with it offline), but Node reading the API's 17 MB map at start cost about 0.3–1 s of every cold start.
   */
  readonly enableSourceMaps: boolean;
}

/** The documented defaults of every context key. */
export const defaultContext: TandemContext = {
  stackPrefix: 'Tandem',
  gpuInstanceTypes: ['g5.xlarge', 'g4dn.xlarge'],
  spot: false,
  gpuMaxVcpus: 16,
  cpuMaxVcpus: 16,
  rawInfrequentAccessDays: 30,
  noncurrentVersionExpirationDays: 90,
  scheduleExpression: 'rate(7 days)',
  scheduleConfigFile: 'tandem.config.aws.example.json',
  maxConcurrency: 4,
  distributedMapMinTrials: defaultDistributedMapMinTrials,
  batchIngestMinBytes: defaultBatchIngestMinBytes,
  notificationEmail: '',
  enableSourceMaps: false,
};

/**
 * Reads the Tandem context keys from a construct node, falling back to {@link defaultContext}. Values given
 * on the command line arrive as strings (`-c spot=true`, `-c gpuInstanceTypes=g5.xlarge,g5.2xlarge`), so
 * each key also accepts its string form; anything else fails naming the key and the value.
 */
export function readTandemContext(node: Node): TandemContext {
  const read = (key: keyof TandemContext): unknown => node.tryGetContext(key) ?? defaultContext[key];
  return {
    stackPrefix: readString('stackPrefix', read('stackPrefix')),
    gpuInstanceTypes: readStringList('gpuInstanceTypes', read('gpuInstanceTypes')),
    spot: readBoolean('spot', read('spot')),
    gpuMaxVcpus: readPositiveInteger('gpuMaxVcpus', read('gpuMaxVcpus')),
    cpuMaxVcpus: readPositiveInteger('cpuMaxVcpus', read('cpuMaxVcpus')),
    rawInfrequentAccessDays: readPositiveInteger('rawInfrequentAccessDays', read('rawInfrequentAccessDays')),
    noncurrentVersionExpirationDays: readPositiveInteger('noncurrentVersionExpirationDays', read('noncurrentVersionExpirationDays')),
    scheduleExpression: readString('scheduleExpression', read('scheduleExpression')),
    scheduleConfigFile: readString('scheduleConfigFile', read('scheduleConfigFile')),
    maxConcurrency: readPositiveInteger('maxConcurrency', read('maxConcurrency')),
    distributedMapMinTrials: readPositiveInteger('distributedMapMinTrials', read('distributedMapMinTrials')),
    batchIngestMinBytes: readByteCount('batchIngestMinBytes', read('batchIngestMinBytes')),
    enableSourceMaps: readBoolean('enableSourceMaps', read('enableSourceMaps')),
    notificationEmail: typeof read('notificationEmail') === 'string' ? (read('notificationEmail') as string) : badContext('notificationEmail', read('notificationEmail')),
  };
}

function badContext(key: string, value: unknown): never {
  throw new Error(`cdk context "${key}": unexpected value ${JSON.stringify(value)}`);
}

function readString(key: string, value: unknown): string {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : badContext(key, value);
}

function readStringList(key: string, value: unknown): string[] {
  const list = typeof value === 'string' ? value.split(',').map((item) => item.trim()) : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((item) => typeof item === 'string' && item !== '')) {
    return badContext(key, value);
  }
  return list as string[];
}

function readBoolean(key: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return badContext(key, value);
}

function readPositiveInteger(key: string, value: unknown): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isInteger(number) && number > 0 ? number : badContext(key, value);
}

/** Lambda's /tmp can hold at most 10 GiB: a larger threshold would send inputs there that cannot fit. */
const maxLambdaIngestBytes = 10 * 1024 ** 3;

function readByteCount(key: string, value: unknown): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isInteger(number) && number >= 0 && number <= maxLambdaIngestBytes ? number : badContext(key, value);
}
