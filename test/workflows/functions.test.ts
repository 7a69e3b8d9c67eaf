import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createFunctionContext } from '../../functions/function-context.ts';
import { MissingEnvironmentError } from '../../functions/function-environment.ts';
import { WorkflowStepError } from '../../functions/workflow-step-error.ts';
import { FileStore } from '../../src/store/file-store.ts';
import { promoteRung } from '../../functions/promote-rung/promote-rung.ts';
import { planTrials, stepFunctionsStateLimitBytes } from '../../functions/plan/plan-trials.ts';
import { BadInputError } from '../../src/errors/bad-input-error.ts';
import { NotFoundError } from '../../src/errors/not-found-error.ts';
import { parseTrialInput, resolveTrialInput } from '../../src/search/trial-ref.ts';
import { parseConfig } from '../../src/config/load-config.ts';

describe('workflow Lambda functions', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-functions-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('fail at cold start naming the missing variable', () => {
    assert.throws(() => createFunctionContext('plan', {}), (error: unknown) => error instanceof MissingEnvironmentError && error.name === 'MissingEnvironmentError' && /TANDEM_STORE/.test(error.message));
    assert.throws(() => createFunctionContext('plan', { TANDEM_STORE: '' }), /TANDEM_STORE/);
  });

  it('notify handler: config read once from the environment, returns the outcome line', async () => {
    process.env.TANDEM_STORE = `file://${dir}`;
    const { handler } = await import('../../functions/notify/index.ts');
    const result = await handler({ runId: 'r1', bestTrialId: 't001', bestModelId: 'm1', championId: 'm1', promoted: true, reason: 'no champion yet' });
    assert.equal(result.message, 'run r1: m1 is the new champion (no champion yet)');
  });

  it('promote-rung rejects an event without the Map results with a named error', async () => {
    const store = new FileStore(dir);
    await assert.rejects(
      promoteRung(store, { runId: 'r1', rung: 0, trials: [], done: false } as unknown as Parameters<typeof promoteRung>[1]),
      (error: unknown) => error instanceof WorkflowStepError && error.name === 'WorkflowStepError',
    );
  });
  it('plan passes trials by reference: 1000 trials fit the 256 KiB state, their specs are in the store, 5000 are refused up front', async () => {
    const store = new FileStore(path.join(dir, 'plan-store'));
    const config = parseConfig({ data: { path: 'x.csv' }, tasks: [{ name: 'churn', type: 'binary', label: { column: 'churn' } }] }, 'test');
    const tasks = config.tasks;
    const planned = await planTrials(store, { config, overrides: { strategy: 'asha', trials: 1000 }, datasetId: 'd1', tasks });
    assert.equal(planned.trials.length, 1003, 'the baseline, the default recipe, the linear model and the 1000 sampled');
    // The Map's output, the largest state: its items (the refs) and its results (the id of each trial that trained).
    const mapOutputBytes = Buffer.byteLength(JSON.stringify({ ...planned, results: planned.trials.map((ref) => ref.trialId) }));
    assert.ok(mapOutputBytes < stepFunctionsStateLimitBytes / 2, `the Map's output for 1000 trials: ${mapOutputBytes} bytes`);
    const ref = planned.trials[1];
    assert.ok(ref !== undefined);
    assert.deepEqual(Object.keys(ref).sort(), ['specKey', 'trialId', 'untilEpoch']);
    assert.equal(ref.specKey, `runs/${planned.runId}/trials/${ref.trialId}/spec.json`);
    // The trainer's resolution (a ref as TANDEM_TRIAL text) gives back the planned spec, first rung's epochs included.
    const spec = await resolveTrialInput(store, parseTrialInput(JSON.stringify(ref), 'TANDEM_TRIAL'));
    assert.equal(spec.runId, planned.runId);
    assert.equal(spec.trialId, ref.trialId);
    assert.equal(spec.untilEpoch, ref.untilEpoch);
    assert.equal(spec.datasetId, 'd1');
    // A full spec still passes as it is (`tandem search`'s workers); a ref whose spec is missing or stale is refused.
    assert.deepEqual(await resolveTrialInput(store, parseTrialInput(JSON.stringify(spec), '--spec')), spec);
    await assert.rejects(resolveTrialInput(store, { ...ref, specKey: `runs/${planned.runId}/trials/t9999/spec.json` }), NotFoundError);
    await assert.rejects(resolveTrialInput(store, { ...ref, untilEpoch: ref.untilEpoch + 1 }), (error: unknown) => error instanceof BadInputError && /not the referenced trial/.test(error.message));
    assert.throws(() => parseTrialInput(JSON.stringify({ ...ref, specKey: 'models/x.json' }), 'TANDEM_TRIAL'), /invalid trial reference: specKey/);
    await assert.rejects(
      planTrials(store, { config, overrides: { trials: 5000 }, datasetId: 'd1', tasks }),
      (error: unknown) => error instanceof WorkflowStepError && /plan: 5000 trials .* trial references and results .* run at most \d+ trials per execution/.test(error.message),
    );
  });
});
