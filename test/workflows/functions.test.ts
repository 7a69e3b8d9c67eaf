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
import { planTrials } from '../../functions/plan/plan-trials.ts';
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
  it('plan refuses, before any trial runs, a search whose first rung would not fit the 256 KiB workflow state', async () => {
    const store = new FileStore(path.join(dir, 'plan-store'));
    const config = parseConfig({ data: { path: 'x.csv' }, tasks: [{ name: 'churn', type: 'binary', label: { column: 'churn' } }] }, 'test');
    const tasks = config.tasks;
    const fits = await planTrials(store, { config, overrides: { trials: 20 }, datasetId: 'd1', tasks });
    assert.equal(fits.trials.length, 21);
    await assert.rejects(
      planTrials(store, { config, overrides: { trials: 1000 }, datasetId: 'd1', tasks }),
      (error: unknown) => error instanceof WorkflowStepError && /plan: 1000 trials .* run at most \d+ trials per execution/.test(error.message),
    );
  });
});
