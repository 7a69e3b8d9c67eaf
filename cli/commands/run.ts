import { searchStrategies } from '../../src/config/schema.ts';
import { BadInputError } from '../../src/errors/bad-input-error.ts';
import { selectBackend } from '../../src/model/backend.ts';
import { runTrialProcess } from '../../src/search/trial-process.ts';
import { runWorkflowLocally } from '../../workflows/run-locally.ts';
import type { WorkflowOverrides } from '../../functions/workflow-state.ts';
import type { Command } from '../command.ts';
import { readNumericFlag } from '../numeric-flags.ts';
import { defaultParallelism, trialWorkerCommand } from '../trial-worker-command.ts';

/** `tandem run`: the scheduled-retraining workflow (the deployed state machine), executed on this machine. */
export const runCommand: Command = {
  name: 'run',
  summary: 'run the retraining workflow locally: ingest, search (ASHA rungs), select, promote, notify — the deployed state machine',
  help: [
    'Renders the Step Functions definition that `cdk synth` deploys and executes it with aws-local-stepfunctions: each',
    'Lambda step runs the same function as on AWS, and each trial (a Batch job on AWS) runs as a `tandem trial` process',
    'reading the very TANDEM_TRIAL value the container would get. A trial that fails twice is recorded as failed.',
  ].join('\n'),
  flags: {
    trials: { type: 'string', valueName: 'N', description: 'sampled trials (default: search.trials, 20)' },
    parallel: { type: 'string', valueName: 'P', description: 'trials at once, the Map\'s MaxConcurrency (default: number of cores)' },
    strategy: { type: 'string', valueName: 'NAME', description: `${searchStrategies.join(', ')} (default: search.strategy)` },
    seed: { type: 'string', valueName: 'N', description: 'sampler seed (default: search.seed, 42)' },
  },
  async run(context) {
    const config = await context.requireConfig();
    const store = await context.store();
    const strategy = context.flags.strategy;
    if (strategy !== undefined && !searchStrategies.includes(strategy as (typeof searchStrategies)[number])) {
      throw new BadInputError(`--strategy: expected one of ${searchStrategies.join(', ')}, got "${String(strategy)}"`, { value: strategy });
    }
    const parallel = readNumericFlag(context.flags, 'parallel', { min: 1 }) ?? config.search.parallel ?? defaultParallelism();
    const trials = readNumericFlag(context.flags, 'trials', { min: 1 });
    const seed = readNumericFlag(context.flags, 'seed');
    const overrides: WorkflowOverrides = {
      parallel,
      ...(trials === undefined ? {} : { trials }),
      ...(seed === undefined ? {} : { seed }),
      ...(typeof strategy === 'string' ? { strategy: strategy as (typeof searchStrategies)[number] } : {}),
    };
    // The promote step scores champion and challenger in this process.
    await selectBackend(context.env.backend);
    const worker = trialWorkerCommand(store.uri, context.env.backend);
    const { output, states } = await runWorkflowLocally({
      store,
      input: { config, overrides },
      maxConcurrency: parallel,
      launchTrial: (spec) => {
        context.log(`${spec.trialId} started (to epoch ${spec.untilEpoch ?? spec.params.epochs})`);
        return runTrialProcess(spec, worker);
      },
      log: context.log,
    });
    const json = { runId: output.runId, championId: output.championId, promoted: output.promoted, bestModelId: output.bestModelId, reason: output.reason, states };
    return { json, text: output.message };
  },
};
