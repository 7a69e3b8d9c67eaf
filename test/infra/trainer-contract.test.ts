import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadTableConfig } from '../../src/config/load-config.ts';
import { ingestTable } from '../../src/data/ingest-table.ts';
import { writeTrialSpecs } from '../../src/search/trial-ref.ts';
import type { TrialSpec } from '../../src/search/trial-spec.ts';
import { openStore } from '../../src/store/open-store.ts';
import { trainerCommand } from '../../infra/constructs/gpu-trainer-batch.ts';
import { buildTandemStacks } from '../../infra/tandem-stacks.ts';
import { renderWorkflowDefinition } from '../../workflows/render-definition.ts';
import { workflowStateNames } from '../../workflows/tandem-workflow.ts';
import { environmentWithoutTandem, runProcess, type ProcessResult } from '../helpers/run-process.ts';
import { tinyConfigFile } from '../helpers/train-tiny-model.ts';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

interface JobDefinition { Command: string[]; Environment?: { Name: string; Value: string }[] }

/** The trainer container's command and environment exactly as the synthesized job definition gives them. */
function synthesizedJobDefinition(): JobDefinition {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const template = Template.fromStack(buildTandemStacks(app).training);
  const definition = Object.values(template.findResources('AWS::Batch::JobDefinition'))[0] as { Properties: { ContainerProperties: JobDefinition } };
  return definition.Properties.ContainerProperties;
}

/** The Map's container override of one trial: `[{ Name, 'Value.$' }]` from the rendered workflow definition. */
function trialOverride(): { Name: string; 'Value.$': string } {
  const states = renderWorkflowDefinition().States;
  const map = states[workflowStateNames.rungTrials] as { ItemProcessor: { States: Record<string, { Parameters?: { ContainerOverrides?: { Environment: { Name: string; 'Value.$': string }[] } } }> } };
  const batch = Object.values(map.ItemProcessor.States).find((state) => state.Parameters?.ContainerOverrides !== undefined);
  const environment = batch?.Parameters?.ContainerOverrides?.Environment ?? [];
  assert.equal(environment.length, 1);
  return environment[0] as { Name: string; 'Value.$': string };
}

/** `command args` from the repository root, as the container runs it from its working directory. */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<ProcessResult> {
  return runProcess(command, args, { cwd: repositoryRoot, env });
}

describe('trainer contract: the synthesized job definition plus the Map override trains a trial', () => {
  let folder = '';
  let storeUrl = '';
  let spec: Record<string, unknown> = {};

  before(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'tandem-trainer-contract-'));
    storeUrl = pathToFileURL(`${folder}/`).href;
    const { config } = await loadTableConfig(tinyConfigFile);
    const { manifest } = await ingestTable(config, openStore(storeUrl));
    const params = { ...config.model, sharedUnits: [8], towerUnits: [4], batchSize: 16, epochs: 2, patience: 2 };
    spec = { runId: 'contract', trialId: 't000', datasetId: manifest.datasetId, name: config.name, params, features: config.features, selection: config.selection };
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('runs the job definition command with Ref::store filled in and TANDEM_TRIAL as the override', async () => {
    const job = synthesizedJobDefinition();
    assert.deepEqual(job.Command, trainerCommand);
    const override = trialOverride();
    // States.JsonToString($): the variable is the Map item (the trial spec) as JSON text.
    assert.equal(override['Value.$'], 'States.JsonToString($)');
    const [command, ...args] = job.Command.map((part) => part === 'Ref::store' ? storeUrl : part);
    const env = {
      ...environmentWithoutTandem(),
      ...Object.fromEntries((job.Environment ?? []).map(({ Name, Value }) => [Name, Value])),
      [override.Name]: JSON.stringify(spec),
    };
    const result = await run(command as string, args, env);
    assert.equal(result.code, 0, result.stderr);
    const line = JSON.parse(result.stdout.trim().split('\n').at(-1) as string) as { trialId: string; state: string; epochsDone: number };
    assert.equal(line.trialId, 't000');
    assert.equal(line.epochsDone, 2);
    const store = openStore(storeUrl);
    const written = await store.list('runs/contract/');
    assert.ok(written.some((key) => key.includes('t000')), `trial outputs in runs/contract/: ${written.join(', ')}`);
  });

  it('exits non-zero on a bad spec, through containers/trainer/entrypoint.ts too', async () => {
    const entrypoint = ['--import', 'tsx', 'containers/trainer/entrypoint.ts'];
    const bad = await run('node', entrypoint, { ...environmentWithoutTandem(), TANDEM_STORE: storeUrl, TANDEM_TRIAL: '{"runId":"contract"}' });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /invalid trial spec/);
    const missingStore = await run('node', entrypoint, { ...environmentWithoutTandem(), TANDEM_TRIAL: JSON.stringify(spec) });
    assert.equal(missingStore.code, 2);
  });

  it('resolves a trial reference (what the workflow passes) from the store, through containers/trainer/entrypoint.ts', async () => {
    const entrypoint = ['--import', 'tsx', 'containers/trainer/entrypoint.ts'];
    const stored = { ...spec, trialId: 't001', untilEpoch: 1 };
    const [ref] = await writeTrialSpecs(openStore(storeUrl), [stored as unknown as TrialSpec]);
    const result = await run('node', entrypoint, { ...environmentWithoutTandem(), TANDEM_STORE: storeUrl, TANDEM_TRIAL: JSON.stringify(ref) });
    assert.equal(result.code, 0, result.stderr);
    const line = JSON.parse(result.stdout.trim().split('\n').at(-1) as string) as { trialId: string; state: string; epochsDone: number };
    assert.deepEqual([line.trialId, line.state, line.epochsDone], ['t001', 'paused', 1]);
    // The trial's log names its backend and device before its first epoch.
    const backendLine = /^trial t001: TensorFlow\.js \S+ backend \S+.* on .+$/m.exec(result.stderr);
    assert.ok(backendLine !== null, result.stderr);
    assert.ok(backendLine.index < result.stderr.indexOf('"epoch"'), result.stderr);
    const missing = await run('node', entrypoint, { ...environmentWithoutTandem(), TANDEM_STORE: storeUrl, TANDEM_TRIAL: JSON.stringify({ ...ref, trialId: 't002', specKey: 'runs/contract/trials/t002/spec.json' }) });
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /no trial spec "runs\/contract\/trials\/t002\/spec\.json"/);
  });

  it('is the command the image runs by default', async () => {
    const dockerfile = await readFile(path.join(repositoryRoot, 'containers/trainer/Dockerfile'), 'utf8');
    const cmd = dockerfile.match(/^CMD (\[.*\])$/m)?.[1];
    assert.deepEqual(JSON.parse(cmd ?? 'null'), trainerCommand);
    // The default (last) stage: the GPU trainer on CUDA 11.8 + cuDNN 8 (why: the Dockerfile's header).
    assert.match(dockerfile, /^FROM nvidia\/cuda:11\.8\.0-cudnn8-runtime-ubuntu22\.04 AS gpu$/m);
    assert.match(dockerfile, /@tensorflow\/tfjs-node-gpu@4\.22\.0/);
    assert.match(dockerfile, /TANDEM_BACKEND=tensorflow/);
  });
});
