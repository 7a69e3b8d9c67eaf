import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { renderWorkflowDefinition } from '../../workflows/render-definition.ts';
import { INGEST_INPUT_ENV_VAR, INGEST_RESULT_ENV_VAR } from '../../functions/ingest/ingest-job-variables.ts';
import { defaultBatchIngestMinBytes, defaultDistributedMapMinTrials, distributedMapLabel, TRIAL_ENV_VAR, workflowStateNames as names } from '../../workflows/tandem-workflow.ts';

type AslValidator = (definition: unknown, options?: { checkPaths?: boolean; checkArn?: boolean }) => { isValid: boolean; errorsText(separator?: string): string };
// asl-validator is CommonJS without type declarations.
const validateAsl = createRequire(import.meta.url)('asl-validator') as AslValidator;

describe('the rendered workflow definition', () => {
  const definition = renderWorkflowDefinition({ maxConcurrency: 3 });
  const states = definition.States;

  it('passes asl-validator with JSONPath and ARN checks', () => {
    // asl-validator rewrites the object it checks.
    const result = validateAsl(structuredClone(definition), { checkPaths: true, checkArn: true });
    assert.equal(result.isValid, true, result.errorsText());
  });

  it('runs measure → ingest (Lambda or Batch) → plan → rung Map (inline or Distributed) → promote-rung → Choice (back to the rung Map) → plan closing → Choice (fold copies through the rung Map) → select → promote → notify', () => {
    assert.equal(definition.StartAt, names.measureRawInput);
    assert.equal(states[names.measureRawInput]?.Next, names.chooseIngestRunner);
    assert.equal(states[names.ingest]?.Next, names.plan);
    assert.equal(states[names.ingestOnBatch]?.Next, names.readIngestResult);
    assert.equal(states[names.readIngestResult]?.Next, names.plan);
    assert.equal(states[names.plan]?.Next, names.chooseRungMap);
    assert.equal(states[names.rungTrials]?.Next, names.promoteRung);
    assert.equal(states[names.rungTrialsDistributed]?.Next, names.promoteRung);
    assert.equal(states[names.promoteRung]?.Next, names.moreRungs);
    const choice = states[names.moreRungs] as { Type: string; Choices: { Variable: string; BooleanEquals: boolean; Next: string }[]; Default: string };
    assert.equal(choice.Type, 'Choice');
    assert.deepEqual(choice.Choices, [{ Variable: '$.done', BooleanEquals: false, Next: names.chooseRungMap }]);
    assert.equal(choice.Default, names.planClosing);
    // The closing's plan (the select function, asked with an action) sends fold copies through the rung Maps, or goes on to select.
    type Invoke = { Resource: string; Parameters?: Record<string, unknown>; Next?: string };
    assert.equal((states[names.planClosing] as Invoke).Resource, (states[names.select] as Invoke).Resource);
    assert.deepEqual((states[names.planClosing] as Invoke).Parameters, { action: 'plan-closing', 'runId.$': '$.runId', 'state.$': '$' });
    assert.equal(states[names.planClosing]?.Next, names.anyFoldCopies);
    const copies = states[names.anyFoldCopies] as typeof choice;
    assert.deepEqual(copies.Choices, [{ Variable: '$.done', BooleanEquals: false, Next: names.chooseRungMap }]);
    assert.equal(copies.Default, names.select);
    assert.equal(states[names.select]?.Next, names.promote);
    assert.equal(states[names.promote]?.Next, names.chooseRescoring);
    assert.equal(states[names.notify]?.End, true);
    for (const name of [names.measureRawInput, names.ingest, names.readIngestResult, names.plan, names.promoteRung, names.select, names.promote, names.notify]) {
      assert.match(String(states[name]?.Resource), /^arn:aws:lambda:/, name);
    }
  });

  it('measures the raw input with the ingest function and sends it to the CPU Batch ingest job at or above batchIngestMinBytes', () => {
    // Lambda tasks invoke the function directly (payloadResponseOnly): Parameters is the payload.
    type Invoke = { Resource: string; Parameters?: Record<string, unknown>; ResultPath?: string };
    const measure = states[names.measureRawInput] as Invoke;
    // One ingest function behind the three ingest states; the Lambda ingestion gets the state itself.
    assert.equal(measure.Resource, (states[names.ingest] as Invoke).Resource);
    assert.equal(measure.Resource, (states[names.readIngestResult] as Invoke).Resource);
    assert.equal((states[names.ingest] as Invoke).Parameters, undefined);
    assert.deepEqual(measure.Parameters, { action: 'measure', 'input.$': '$', 'executionName.$': '$$.Execution.Name', batchIngestMinBytes: defaultBatchIngestMinBytes });
    assert.equal(measure.ResultPath, '$.rawInput');
    assert.equal((renderWorkflowDefinition({ batchIngestMinBytes: 0 }).States[names.measureRawInput] as Invoke).Parameters?.batchIngestMinBytes, 0);
    const choice = states[names.chooseIngestRunner] as { Choices: Record<string, unknown>[]; Default: string };
    assert.deepEqual(choice.Choices, [
      { Variable: '$.rawInput.athena', BooleanEquals: true, Next: names.planAthenaIngest },
      { Variable: '$.rawInput.rawBytes', NumericGreaterThanEqualsPath: '$.rawInput.batchIngestMinBytes', Next: names.ingestOnBatch },
    ]);
    assert.equal(choice.Default, names.ingest);
    const job = states[names.ingestOnBatch] as { Resource: string; Parameters: { JobQueue: string; JobDefinition: string; ContainerOverrides: { Environment: unknown[] } }; ResultPath: unknown; Retry: { ErrorEquals: string[] }[] };
    assert.equal(job.Resource, 'arn:aws:states:::batch:submitJob.sync');
    assert.match(job.Parameters.JobQueue, /job-queue\/tandem-cpu$/);
    assert.match(job.Parameters.JobDefinition, /job-definition\/tandem-ingest:1$/);
    assert.deepEqual(job.Parameters.ContainerOverrides.Environment, [
      { Name: INGEST_INPUT_ENV_VAR, 'Value.$': 'States.JsonToString($)' },
      { Name: INGEST_RESULT_ENV_VAR, 'Value.$': '$.rawInput.resultKey' },
    ]);
    assert.equal(job.ResultPath, null);
    assert.ok(job.Retry.some((retry) => retry.ErrorEquals.includes('Batch.AWSBatchException')));
    const read = states[names.readIngestResult] as Invoke;
    assert.deepEqual(read.Parameters, { action: 'read-result', 'key.$': '$.rawInput.resultKey' });
    assert.throws(() => renderWorkflowDefinition({ batchIngestMinBytes: -1 }), /batchIngestMinBytes must be a whole number of bytes >= 0, got -1/);
  });

  type MapState = { Type: string; MaxConcurrency: number; ItemsPath: string; ResultPath: string; Label?: string; ItemProcessor: { StartAt: string; ProcessorConfig?: unknown; States: Record<string, Record<string, unknown>> } };

  it('trains each trial of a rung as a Batch job (.sync) with the spec in TANDEM_TRIAL, retried, and caught per item', () => {
    const map = states[names.rungTrials] as MapState;
    assert.equal(map.Type, 'Map');
    assert.equal(map.MaxConcurrency, 3);
    assert.equal(map.ItemsPath, '$.trials');
    assert.deepEqual(map.ItemProcessor.ProcessorConfig, { Mode: 'INLINE' });
    const trial = map.ItemProcessor.States[names.runTrial] as {
      Resource: string;
      Parameters: { ContainerOverrides: { Environment: { Name: string; 'Value.$': string }[] } };
      Retry: { ErrorEquals: string[] }[];
      Catch: { ErrorEquals: string[]; Next: string; ResultPath: string }[];
    };
    assert.equal(map.ItemProcessor.StartAt, names.runTrial);
    assert.equal(trial.Resource, 'arn:aws:states:::batch:submitJob.sync');
    assert.deepEqual(trial.Parameters.ContainerOverrides.Environment, [{ Name: TRIAL_ENV_VAR, 'Value.$': 'States.JsonToString($)' }]);
    assert.ok(trial.Retry.some((retry) => retry.ErrorEquals.includes('Batch.AWSBatchException')));
    assert.ok(trial.Retry.some((retry) => retry.ErrorEquals.includes('States.TaskFailed')));
    assert.deepEqual(trial.Catch, [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: names.trialFailed }]);
    assert.equal(map.ItemProcessor.States[names.trialFailed]?.End, true);
  });

  it('runs a rung of distributedMapMinTrials trials or more in a Distributed Map (STANDARD child executions) with the same trial body', () => {
    const choice = states[names.chooseRungMap] as { Choices: unknown[]; Default: string };
    assert.deepEqual(choice.Choices, [{ Variable: `$.trials[${defaultDistributedMapMinTrials - 1}]`, IsPresent: true, Next: names.rungTrialsDistributed }]);
    assert.equal(choice.Default, names.rungTrials);
    assert.equal(defaultDistributedMapMinTrials, 40);
    const inline = states[names.rungTrials] as MapState;
    const distributed = states[names.rungTrialsDistributed] as MapState;
    assert.equal(distributed.Type, 'Map');
    assert.deepEqual(distributed.ItemProcessor.ProcessorConfig, { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    assert.equal(distributed.MaxConcurrency, 3);
    assert.equal(distributed.ItemsPath, '$.trials');
    assert.equal(distributed.ResultPath, '$.results');
    assert.equal(distributed.Label, distributedMapLabel);
    // The same body under other state names (a state belongs to one Map).
    const renamed = JSON.stringify(distributed.ItemProcessor.States).replaceAll(names.runTrialDistributed, names.runTrial).replaceAll(names.trialFailedDistributed, names.trialFailed);
    assert.equal(renamed, JSON.stringify(inline.ItemProcessor.States));
    const small = renderWorkflowDefinition({ distributedMapMinTrials: 1 }).States[names.chooseRungMap] as { Choices: { Variable: string }[] };
    assert.equal(small.Choices[0]?.Variable, '$.trials[0]');
    assert.throws(() => renderWorkflowDefinition({ distributedMapMinTrials: 0 }), /distributedMapMinTrials must be a positive integer, got 0/);
  });

  it('is the same document on every render (what `tandem run` executes is what is deployed)', () => {
    assert.deepEqual(renderWorkflowDefinition({ maxConcurrency: 3 }), definition);
    assert.throws(() => renderWorkflowDefinition({ maxConcurrency: 0 }), /maxConcurrency must be a positive integer, got 0/);
  });
});
