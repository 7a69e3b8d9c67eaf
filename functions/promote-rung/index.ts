import { createFunctionContext, stepHandler } from '../function-context.ts';
import type { RungResults } from '../workflow-state.ts';
import { promoteRung } from './promote-rung.ts';

const context = createFunctionContext('promote-rung');

/** Lambda: the workflow's promote-rung step (record the rung, pick the next one with ASHA). */
export const handler = stepHandler(context, (event: RungResults) => promoteRung(context.store, event));
