import { searchStrategies } from '../../src/config/schema.ts';
import { BadInputError } from '../../src/errors/bad-input-error.ts';
import { parseStateMachineArn, runRescoringRemotely, runWorkflowRemotely, type RemoteRescoringOutput } from '../../workflows/run-remotely.ts';
import { defaultPipelineStackName, findStateMachineArn, rescoringStateMachineArnOutputKey, stateMachineArnOutputKey, type DescribeStacksOutput } from '../../workflows/pipeline-stack-outputs.ts';
import type { WorkflowOverrides } from '../../functions/workflow-state.ts';
import type { TandemConfig } from '../../src/config/schema.ts';
import type { BlobStore } from '../../src/store/blob-store.ts';
import type { Command, CommandContext, CommandResult, Flags } from '../command.ts';
import { InterruptedError } from '../../src/errors/interrupted-error.ts';
import { trialFolder } from '../../src/search/run-keys.ts';
import type { TrialMetricsFile } from '../../src/search/trial-metrics-file.ts';
import { readJson } from '../../src/store/json-object.ts';
import { resumeCommand, trialWorkerLauncher } from '../local-search.ts';
import { readNumericFlag } from '../numeric-flags.ts';
import { createRunProgress } from '../run-progress.ts';
import { defaultParallelism, trialWorkerCommand } from '../trial-worker-command.ts';

/** Seconds between two checks of a remote execution when `--poll` is not given. */
const defaultPollSeconds = 5;

/** `tandem run`: the scheduled-retraining workflow (the deployed state machine), executed on this machine or on AWS. */
export const runCommand: Command = {
  name: 'run',
  summary: 'run the retraining workflow locally: ingest, search (ASHA rungs), select, promote, notify — the deployed state machine (--remote: on AWS)',
  help: [
    'Renders the Step Functions definition that `cdk synth` deploys and executes it with aws-local-stepfunctions: each',
    'Lambda step runs the same function as on AWS, and each trial (a Batch job on AWS) runs as a `tandem trial` process',
    'reading the very TANDEM_TRIAL value the container would get. A trial that fails twice is recorded as failed.',
    'Progress on stderr: the run id first, each state entered and succeeded or failed (with its duration), each trial\'s',
    'result as it lands (id, architecture, validation combined score, status), and trials done / planned, elapsed time',
    'and an estimate of the time left (one rewritten line on a terminal, plain `progress:` lines otherwise).',
    'Ctrl-C or SIGTERM stops it: no state starts after it, running trial workers get SIGTERM (SIGKILL 3 s later), the',
    'run is marked interrupted (its stopped trials too), and the exit status is 130 (SIGINT) or 143 (SIGTERM); `run`',
    'has no resume of its own: the printed `search --resume RUNID` finishes the run\'s search (then `promote`), or start',
    'again. A second Ctrl-C kills the workers and exits at once.',
    '',
    'With --remote ARN it starts the deployed state machine instead (StartExecution, with the same input: the config and',
    'the --trials/--strategy/--seed overrides) and follows it until it ends, printing on stderr each state entered, each',
    'rung with its trial count, trials started, finished and failed (with the cause), then the final status; stdout gets',
    'the champion message. The config\'s data must be on S3 (data.path, or data.customers/sessions/orders: s3:// URIs;',
    '--data s3://... replaces data.path); the workflow writes to its own store bucket, so --store and --parallel (set at',
    'deploy time) do not apply. AWS credentials come from the usual places (environment, ~/.aws, SSO); the region is',
    'the ARN\'s; TANDEM_SFN_ENDPOINT (or AWS_ENDPOINT_URL_SFN) points at another Step Functions endpoint. Ctrl-C stops',
    'following; the execution goes on. Exit 1 when the execution FAILED, TIMED_OUT or was ABORTED.',
    `--remote STACK (a CloudFormation stack name, e.g. ${defaultPipelineStackName} or prod-${defaultPipelineStackName}) reads the ARN`,
    'from the pipeline stack\'s StateMachineArn output (DescribeStacks, in the region of AWS_REGION or ~/.aws).',
    '',
    'With --rescore it runs only the rescoring (no ingest, no training): the project\'s champion scores the config\'s',
    'scoring.input into the store\'s scores/<name>/date=<day>/ as Parquet, with a manifest — the Rescoring state machine',
    'that the scoring.schedule starts when deployed, executed locally (each part\'s scoring job in this process). With',
    '--rescore --remote ARN|STACK it starts that deployed state machine instead (STACK: the ARN from the pipeline',
    `stack's ${rescoringStateMachineArnOutputKey} output) and follows it; scoring.input must then be an s3:// URI.`,
  ].join('\n'),
  flags: {
    trials: { type: 'string', valueName: 'N', description: 'sampled trials (default: search.trials, 20)' },
    parallel: { type: 'string', valueName: 'P', description: 'trials at once, the Map\'s MaxConcurrency (default: number of cores; local only)' },
    strategy: { type: 'string', valueName: 'NAME', description: `${searchStrategies.join(', ')} (default: search.strategy)` },
    seed: { type: 'string', valueName: 'N', description: 'sampler seed (default: search.seed, 42)' },
    remote: { type: 'string', valueName: 'ARN|STACK', description: `start this deployed state machine (its ARN, or the pipeline stack's name, e.g. ${defaultPipelineStackName}) on AWS and follow it instead of running locally` },
    poll: { type: 'string', valueName: 'SECONDS', description: `with --remote: seconds between progress checks (default ${defaultPollSeconds})` },
    rescore: { type: 'boolean', description: 'run only the rescoring (the deployed Rescoring state machine): the champion scores the config\'s scoring.input into the store\'s scores/, no retraining (with --remote: on AWS)' },
  },
  async run(context) {
    if (typeof context.flags.remote === 'string') {
      if (context.flags.rescore === true) return rescoreRemote(context, await stateMachineArnOf(context.flags.remote, rescoringStateMachineArnOutputKey));
      return runRemote(context, await stateMachineArnOf(context.flags.remote, stateMachineArnOutputKey));
    }
    if (context.flags.poll !== undefined) throw new BadInputError('--poll only applies with --remote ARN', { value: context.flags.poll });
    const config = await context.requireConfig();
    const store = await context.store();
    if (context.flags.rescore === true) return rescoreLocally(context, config, store);
    const search = searchOverrides(context.flags);
    const parallel = readNumericFlag(context.flags, 'parallel', { min: 1 }) ?? config.search.parallel ?? defaultParallelism();
    const overrides: WorkflowOverrides = { parallel, ...search };
    const stop = context.takeOverStop();
    // Loaded here so that --remote starts without TensorFlow.js and the local engine.
    const [{ selectBackend }, { runWorkflowLocally }] = await Promise.all([import('../../src/model/backend.ts'), import('../../workflows/run-locally.ts')]);
    // The promote step scores champion and challenger in this process.
    await selectBackend(context.env.backend);
    const launch = trialWorkerLauncher(trialWorkerCommand(store.uri, context.env.backend), stop);
    const progress = createRunProgress(context);
    let execution;
    try {
      execution = await runWorkflowLocally({
        store,
        input: { config, overrides },
        maxConcurrency: parallel,
        s3ClientConfig: context.env.s3ClientConfig,
        signal: stop.signal,
        onRun: progress.onRun,
        onState: progress.onState,
        launchTrial: async (spec, signal) => {
          progress.trialStarted(spec.trialId, spec.params.arch, spec.untilEpoch ?? spec.params.epochs);
          try {
            await launch(spec, () => undefined, signal);
          } catch (error) {
            progress.trialFailed(spec.trialId, error instanceof Error ? error.message : String(error), signal?.aborted === true);
            throw error;
          }
          const result = await readJson<TrialMetricsFile>(store, `${trialFolder(spec.runId, spec.trialId)}/metrics.json`);
          progress.trialFinished(spec.trialId, { state: result.state, epochsDone: result.epochsDone, validationScore: result.metrics.validation.combinedScore });
        },
        log: context.log,
      });
    } catch (error) {
      if (!(error instanceof InterruptedError) || error.runId === null) throw error;
      throw new InterruptedError(
        `${error.message}; \`run\` does not resume: finish its search with ${await resumeCommand(context, store, error.runId)} (then promote its winner), or run again`,
        { signal: error.signal, runId: error.runId, cause: error },
      );
    } finally {
      progress.done();
    }
    const { output, states } = execution;
    const json = { runId: output.runId, championId: output.championId, promoted: output.promoted, bestModelId: output.bestModelId, reason: output.reason, states };
    return { json, text: output.message };
  },
};

/** `tandem run --rescore`: the rescoring state machine executed locally (the champion scores `scoring.input`). */
async function rescoreLocally(context: CommandContext, config: TandemConfig, store: BlobStore): Promise<CommandResult> {
  if (config.scoring === undefined) throw new BadInputError('--rescore needs a `scoring` section in the config (scoring.input: the customer base)', { value: '--rescore' });
  const [{ selectBackend }, { runRescoringLocally }] = await Promise.all([import('../../src/model/backend.ts'), import('../../workflows/run-locally.ts')]);
  await selectBackend(context.env.backend);
  const stop = context.takeOverStop();
  const progress = createRunProgress(context);
  try {
    const { output, states } = await runRescoringLocally({
      store,
      input: { config },
      maxConcurrency: 1,
      s3ClientConfig: context.env.s3ClientConfig,
      signal: stop.signal,
      onState: progress.onState,
      log: context.log,
    });
    return { json: { rescoring: output.rescoring, states }, text: rescoringMessage(output.rescoring) };
  } finally {
    progress.done();
  }
}

/** The line a rescoring ends with, local or remote. */
function rescoringMessage(summary: RemoteRescoringOutput['rescoring']): string {
  return 'rows' in summary ? `rescored ${summary.rows} rows in ${summary.parts} part(s) with ${summary.modelId} → ${summary.manifestKey}` : 'nothing to rescore';
}

/** `tandem run --rescore --remote ARN|STACK`: starts the deployed rescoring state machine with this config and follows it. */
async function rescoreRemote(context: CommandContext, stateMachineArn: string): Promise<CommandResult> {
  const { flags } = context;
  parseStateMachineArn(stateMachineArn);
  refuseFlags(flags, [
    ['store', 'the deployed rescoring writes to its own store bucket'],
    ['parallel', 'the deployed Map\'s concurrency is set at deploy time'],
    ['raw', 'the rescoring reads scoring.input, an s3:// URI in the config'],
    ['data', 'the rescoring reads scoring.input, not the training data'],
    ['trials', 'the rescoring trains nothing'],
    ['strategy', 'the rescoring trains nothing'],
    ['seed', 'the rescoring trains nothing'],
  ]);
  const pollSeconds = readNumericFlag(flags, 'poll', { min: 0.001, integer: false }) ?? defaultPollSeconds;
  const config = await context.requireConfig();
  const following = new AbortController();
  void context.stopped.then(() => following.abort());
  const run = await runRescoringRemotely({
    stateMachineArn,
    input: { config },
    clientConfig: context.env.sfnClientConfig,
    pollIntervalMs: pollSeconds * 1000,
    log: context.log,
    signal: following.signal,
  });
  const { rescoring } = run.output;
  return { json: { executionArn: run.executionArn, status: run.status, rescoring, states: run.states }, text: rescoringMessage(rescoring) };
}

/** Refuses flags that do not apply to a remote execution, each with why. */
function refuseFlags(flags: Flags, refused: readonly (readonly [string, string])[]): void {
  for (const [flag, why] of refused) {
    if (flags[flag] !== undefined) throw new BadInputError(`--${flag} does not apply with --remote: ${why}`, { value: flags[flag], details: [{ path: `--${flag}`, issue: why }] });
  }
}

/** The `--trials`, `--seed` and `--strategy` overrides of the config's `search` section. */
function searchOverrides(flags: Flags): WorkflowOverrides {
  const strategy = flags.strategy;
  if (strategy !== undefined && !searchStrategies.includes(strategy as (typeof searchStrategies)[number])) {
    throw new BadInputError(`--strategy: expected one of ${searchStrategies.join(', ')}, got "${String(strategy)}"`, { value: strategy });
  }
  const trials = readNumericFlag(flags, 'trials', { min: 1 });
  const seed = readNumericFlag(flags, 'seed');
  return {
    ...(trials === undefined ? {} : { trials }),
    ...(seed === undefined ? {} : { seed }),
    ...(typeof strategy === 'string' ? { strategy: strategy as (typeof searchStrategies)[number] } : {}),
  };
}

/**
 * The state machine `--remote` names: an ARN as given, or the ARN in the pipeline stack's output `outputKey` (the
 * workflow's, or with --rescore the rescoring's). The CloudFormation client is loaded only for a stack name.
 */
async function stateMachineArnOf(remote: string, outputKey: string): Promise<string> {
  if (remote.startsWith('arn:')) return remote;
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(remote)) {
    throw new BadInputError(`--remote "${remote}": expected a state machine ARN or a CloudFormation stack name (e.g. ${defaultPipelineStackName})`, { value: remote });
  }
  return findStateMachineArn(remote, await cloudFormationDescribeStacks(), outputKey);
}

/** The module shape used from `@aws-sdk/client-cloudformation`. */
interface CloudFormationModule {
  CloudFormationClient: new (config: object) => { send: (command: unknown) => Promise<DescribeStacksOutput>; destroy: () => void };
  DescribeStacksCommand: new (input: { StackName: string }) => unknown;
}

/** DescribeStacks through the AWS SDK's CloudFormation client, with the usual credential and region chain. */
async function cloudFormationDescribeStacks(): Promise<(stackName: string) => Promise<DescribeStacksOutput>> {
  // Named through a variable: the client is an optional dependency, needed only to look a stack up.
  const specifier = '@aws-sdk/client-cloudformation';
  let sdk: CloudFormationModule;
  try {
    sdk = await import(specifier) as CloudFormationModule;
  } catch (error) {
    throw new BadInputError(`--remote STACK needs ${specifier} (npm install ${specifier}); or pass the state machine ARN (the pipeline stack's StateMachineArn output)`, { cause: error, value: specifier });
  }
  return async (stackName) => {
    const client = new sdk.CloudFormationClient({});
    try {
      return await client.send(new sdk.DescribeStacksCommand({ StackName: stackName }));
    } finally {
      client.destroy();
    }
  };
}

/** `tandem run --remote ARN`: starts the deployed state machine with this config and follows it to its end. */
async function runRemote(context: CommandContext, stateMachineArn: string): Promise<CommandResult> {
  const { flags } = context;
  parseStateMachineArn(stateMachineArn);
  refuseFlags(flags, [
    ['store', 'the deployed workflow writes to its own store bucket'],
    ['parallel', 'the deployed Map\'s concurrency is set at deploy time (cdk context maxConcurrency)'],
    ['raw', 'the execution input has no raw folder: put s3:// URIs in data.customers, data.sessions and data.orders'],
  ]);
  const pollSeconds = readNumericFlag(flags, 'poll', { min: 0.001, integer: false }) ?? defaultPollSeconds;
  const config = withDataFlag(await context.requireConfig(), flags);
  const overrides = searchOverrides(flags);
  // Ctrl-C stops following; the execution itself goes on in AWS.
  const following = new AbortController();
  void context.stopped.then(() => following.abort());
  const run = await runWorkflowRemotely({
    stateMachineArn,
    input: { config, ...(Object.keys(overrides).length === 0 ? {} : { overrides }) },
    clientConfig: context.env.sfnClientConfig,
    pollIntervalMs: pollSeconds * 1000,
    log: context.log,
    signal: following.signal,
  });
  const { output } = run;
  const json = {
    executionArn: run.executionArn,
    status: run.status,
    runId: output.runId,
    championId: output.championId,
    promoted: output.promoted,
    bestModelId: output.bestModelId,
    reason: output.reason,
    states: run.states,
  };
  return { json, text: output.message };
}

/** The config with `--data URI` as its `data.path` (table mode); events mode takes no `--data`. */
function withDataFlag(config: TandemConfig, flags: Flags): TandemConfig {
  if (typeof flags.data !== 'string') return config;
  if (config.data.kind !== 'table') {
    throw new BadInputError('--data reads a table, but this config is events mode: put s3:// URIs in data.customers, data.sessions and data.orders', { value: flags.data });
  }
  if (!/^s3:\/\//i.test(flags.data)) {
    throw new BadInputError(`--data "${flags.data}": with --remote the data must be an s3:// URI (the deployed workflow cannot open local files)`, { value: flags.data });
  }
  return { ...config, data: { ...config.data, path: flags.data } };
}
