import { createFunctionContext, stepHandler } from '../function-context.ts';
import type { IngestOutput } from '../workflow-state.ts';
import { planTrials } from './plan-trials.ts';

const context = createFunctionContext('plan');

/** Lambda: the workflow's plan step (the run and its first rung of trials). */
export const handler = stepHandler(context, (event: IngestOutput) => planTrials(context.store, event));
