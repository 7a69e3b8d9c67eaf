import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { renderWorkflowDefinition } from '../../workflows/render-definition.ts';
import { TRIAL_ENV_VAR, workflowStateNames as names } from '../../workflows/tandem-workflow.ts';

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

  it('runs ingest → plan → rung Map → promote-rung → Choice (back to the Map) → select → promote → notify', () => {
    assert.equal(definition.StartAt, names.ingest);
    assert.equal(states[names.ingest]?.Next, names.plan);
    assert.equal(states[names.plan]?.Next, names.rungTrials);
    assert.equal(states[names.rungTrials]?.Next, names.promoteRung);
    assert.equal(states[names.promoteRung]?.Next, names.moreRungs);
    const choice = states[names.moreRungs] as { Type: string; Choices: { Variable: string; BooleanEquals: boolean; Next: string }[]; Default: string };
    assert.equal(choice.Type, 'Choice');
    assert.deepEqual(choice.Choices, [{ Variable: '$.done', BooleanEquals: false, Next: names.rungTrials }]);
    assert.equal(choice.Default, names.select);
    assert.equal(states[names.select]?.Next, names.promote);
    assert.equal(states[names.promote]?.Next, names.notify);
    assert.equal(states[names.notify]?.End, true);
    for (const name of [names.ingest, names.plan, names.promoteRung, names.select, names.promote, names.notify]) {
      assert.match(String(states[name]?.Resource), /^arn:aws:lambda:/, name);
    }
  });

  it('trains each trial of a rung as a Batch job (.sync) with the spec in TANDEM_TRIAL, retried, and caught per item', () => {
    const map = states[names.rungTrials] as { Type: string; MaxConcurrency: number; ItemsPath: string; ItemProcessor: { StartAt: string; States: Record<string, Record<string, unknown>> } };
    assert.equal(map.Type, 'Map');
    assert.equal(map.MaxConcurrency, 3);
    assert.equal(map.ItemsPath, '$.trials');
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

  it('is the same document on every render (what `tandem run` executes is what is deployed)', () => {
    assert.deepEqual(renderWorkflowDefinition({ maxConcurrency: 3 }), definition);
    assert.throws(() => renderWorkflowDefinition({ maxConcurrency: 0 }), /maxConcurrency must be a positive integer, got 0/);
  });
});
