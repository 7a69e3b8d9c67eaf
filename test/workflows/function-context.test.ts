import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { createFunctionContext, isTracingActive, metricsNamespace, stepHandler } from '../../functions/function-context.ts';
import { captureEmf } from '../helpers/capture-emf.ts';

describe('createFunctionContext: logger, metrics and tracer once per function', () => {
  let dir = '';
  let env: NodeJS.ProcessEnv = {};
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-function-context-'));
    // Powertools reads the initialization type from the process (a cold start is reported on on-demand instances only).
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
    // As Lambda sets them with active tracing on an on-demand instance.
    env = { TANDEM_STORE: pathToFileURL(`${dir}/`).href, AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000', AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand', POWERTOOLS_LOG_LEVEL: 'CRITICAL' };
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('loads the tracer once, on demand, and only where traces are recorded', async () => {
    const context = createFunctionContext('plan', env);
    assert.equal(context.tracer, undefined, 'the tracer is not loaded before it is asked for');
    const [first, second] = await Promise.all([context.loadTracer(), context.loadTracer()]);
    assert.ok(first instanceof Tracer);
    assert.equal(second, first);
    assert.equal(context.tracer, first);
    assert.equal(await createFunctionContext('plan', { ...env, AWS_XRAY_DAEMON_ADDRESS: '' }).loadTracer(), undefined);
    assert.equal(isTracingActive({ ...env, POWERTOOLS_TRACE_ENABLED: 'false' }), false);
  });

  it('stepHandler emits the step metrics per invocation and the cold start once, in the Tandem namespace', async () => {
    const context = createFunctionContext('select', env);
    const handler = stepHandler(context, async (event: { runId: string; fail?: boolean }) => {
      if (event.fail === true) throw new RangeError('bad rung');
      return { runId: event.runId, done: true };
    });
    const first = await captureEmf(() => handler({ runId: 'r1' }));
    assert.deepEqual(first.result, { runId: 'r1', done: true });
    const succeeded = first.lines.find((line) => line.StepSucceeded !== undefined);
    assert.equal(succeeded?._aws.CloudWatchMetrics[0]?.Namespace, metricsNamespace);
    assert.equal(succeeded?.service, 'tandem-select');
    assert.equal(succeeded?.StepSucceeded, 1);
    assert.ok(typeof succeeded?.StepDuration === 'number');
    assert.equal(first.lines.filter((line) => line.ColdStart === 1).length, 1);

    // A failure is rethrown unchanged (its name is what the workflow's Catch matches) and counted.
    const failing = await captureEmf(() => handler({ runId: 'r1', fail: true }).then(() => undefined, (error: unknown) => error));
    assert.ok(failing.result instanceof RangeError && failing.result.message === 'bad rung');
    assert.equal(failing.lines.find((line) => line.StepFailed !== undefined)?.StepFailed, 1);
    assert.equal(failing.lines.some((line) => line.ColdStart !== undefined || line.StepSucceeded !== undefined), false);
  });
});
