import type { Node } from 'constructs';
import { defaultWorkflowTimeoutHours } from '../workflows/render-definition.ts';
import { defaultBatchIngestMinBytes, defaultDistributedMapMinTrials } from '../workflows/tandem-workflow.ts';

/**
 * Every deploy-time setting of the CDK app, read from `cdk.json` context (or `cdk deploy -c key=value`).
 * The defaults below are the documented ones; `cdk.json` repeats them so they are visible in one place.
 */
export interface TandemContext {
  /** Prefix of every stack name (`<prefix>-data`, `<prefix>-training`, ...). Default `Tandem`. */
  readonly stackPrefix: string;
  /**
   * The deployment's stage (`-c stage=prod`): it prefixes every stack name (`prod-Tandem-data`, ...), so stages
   * live side by side in one account, and is the `stage` tag of every resource. Default `''`: no prefix, tag `default`.
   */
  readonly stage: string;
  /**
   * Tags added to every taggable resource besides `project` and `stage`: an object in `cdk.json`, or
   * `-c tags=team=ml,costCenter=42` on the command line. Default `{}`.
   */
  readonly tags: Readonly<Record<string, string>>;
  /** GPU instance types of the Batch training compute environment. Default `['g5.xlarge', 'g4dn.xlarge']`. */
  readonly gpuInstanceTypes: readonly string[];
  /** Run GPU trials on spot instances (cheaper, may be interrupted; the workflow retries). Default `false`. */
  readonly spot: boolean;
  /**
   * With `spot`, a second, on-demand GPU compute environment behind the spot one (order 2 in the queue): jobs go
   * on-demand when spot capacity stays short. Ignored without `spot`. Default `false`.
   */
  readonly onDemandFallback: boolean;
  /** Upper bound of vCPUs the GPU compute environment may scale to. Default `16`. */
  readonly gpuMaxVcpus: number;
  /** Upper bound of vCPUs of the Fargate (CPU, small data) compute environment. Default `16`. */
  readonly cpuMaxVcpus: number;
  /**
   * Give the job subnets a NAT gateway (and the VPC public subnets for it). Default `false`: the jobs' subnets are
   * isolated and reach AWS through VPC endpoints (S3 gateway; ECR, ECS and CloudWatch Logs interface endpoints).
   */
  readonly natGateway: boolean;
  /**
   * Minutes a Batch job may wait RUNNABLE for capacity (instances that never come: quota, no spot capacity, an
   * instance type the account cannot launch) before Batch cancels it and the capacity alarm fires. 10 to 1440.
   * Default `120`.
   */
  readonly capacityWaitMinutes: number;
  /** Hours a pipeline run may take before Step Functions times it out (the state machine's TimeoutSeconds). Default `24`. */
  readonly workflowTimeoutHours: number;
  /** Days before raw uploads move to infrequent access. Default `30`. */
  readonly rawInfrequentAccessDays: number;
  /** Days before noncurrent object versions expire. Default `90`. */
  readonly noncurrentVersionExpirationDays: number;
  /** Days before trial checkpoints in the store (objects tagged `tandem-kind=checkpoint`) expire. Default `14`. */
  readonly checkpointExpiryDays: number;
  /** EventBridge Scheduler expression of the retraining run. Default `rate(7 days)`. */
  readonly scheduleExpression: string;
  /**
   * The Tandem config file (JSON; every data path an s3:// URI, checked at synth) each scheduled run starts with; a
   * path may name the deployment's raw bucket as `s3://RAW_BUCKET/<key>`. Default `''`: no config, and the schedule
   * is deployed DISABLED with the shape of `tandem.config.aws.example.json` as its input.
   */
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
  stage: '',
  tags: {},
  gpuInstanceTypes: ['g5.xlarge', 'g4dn.xlarge'],
  spot: false,
  onDemandFallback: false,
  gpuMaxVcpus: 16,
  cpuMaxVcpus: 16,
  natGateway: false,
  capacityWaitMinutes: 120,
  workflowTimeoutHours: defaultWorkflowTimeoutHours,
  rawInfrequentAccessDays: 30,
  noncurrentVersionExpirationDays: 90,
  checkpointExpiryDays: 14,
  scheduleExpression: 'rate(7 days)',
  scheduleConfigFile: '',
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
    stage: readStage(read('stage')),
    tags: readTags(read('tags')),
    gpuInstanceTypes: readStringList('gpuInstanceTypes', read('gpuInstanceTypes')),
    spot: readBoolean('spot', read('spot')),
    onDemandFallback: readBoolean('onDemandFallback', read('onDemandFallback')),
    gpuMaxVcpus: readPositiveInteger('gpuMaxVcpus', read('gpuMaxVcpus')),
    cpuMaxVcpus: readPositiveInteger('cpuMaxVcpus', read('cpuMaxVcpus')),
    natGateway: readBoolean('natGateway', read('natGateway')),
    capacityWaitMinutes: readIntegerIn('capacityWaitMinutes', read('capacityWaitMinutes'), 10, 1440),
    workflowTimeoutHours: readIntegerIn('workflowTimeoutHours', read('workflowTimeoutHours'), 1, 24 * 365),
    rawInfrequentAccessDays: readPositiveInteger('rawInfrequentAccessDays', read('rawInfrequentAccessDays')),
    noncurrentVersionExpirationDays: readPositiveInteger('noncurrentVersionExpirationDays', read('noncurrentVersionExpirationDays')),
    checkpointExpiryDays: readPositiveInteger('checkpointExpiryDays', read('checkpointExpiryDays')),
    scheduleExpression: readString('scheduleExpression', read('scheduleExpression')),
    scheduleConfigFile: typeof read('scheduleConfigFile') === 'string' ? (read('scheduleConfigFile') as string).trim() : badContext('scheduleConfigFile', read('scheduleConfigFile')),
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

/** A stage prefixes stack names: letters, digits and hyphens, starting with a letter (CloudFormation's stack name rule). */
function readStage(value: unknown): string {
  if (typeof value !== 'string') return badContext('stage', value);
  const stage = value.trim();
  return stage === '' || /^[A-Za-z][A-Za-z0-9-]{0,31}$/.test(stage) ? stage : badContext('stage', value);
}

/** `{ key: value }`, or `key=value,key=value` from the command line; keys and values as AWS tags allow them. */
function readTags(value: unknown): Record<string, string> {
  const entries = typeof value === 'string'
    ? value.split(',').map((pair) => pair.trim()).filter((pair) => pair !== '').map((pair) => {
      const at = pair.indexOf('=');
      return at <= 0 ? badContext('tags', value) : [pair.slice(0, at).trim(), pair.slice(at + 1).trim()] as const;
    })
    : typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.entries(value) : badContext('tags', value);
  for (const [key, item] of entries) {
    if (typeof item !== 'string' || !/^[\p{L}\p{Z}\p{N}_.:/=+@-]{1,128}$/u.test(key) || key.startsWith('aws:') || item.length > 256) badContext('tags', value);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

function readIntegerIn(key: string, value: unknown, min: number, max: number): number {
  const number = readPositiveInteger(key, value);
  return number >= min && number <= max ? number : badContext(key, value);
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
