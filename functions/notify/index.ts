import { createFunctionContext, stepHandler } from '../function-context.ts';
import type { PromoteOutput } from '../workflow-state.ts';
import { notifyOutcome } from './notify-outcome.ts';

const context = createFunctionContext('notify');

/** Lambda: the workflow's notify step (the outcome as a structured log line; failures alarm through SNS). */
export const handler = stepHandler(context, (event: PromoteOutput) => notifyOutcome((subject, message) => context.logger.info(message, { subject }), event));
