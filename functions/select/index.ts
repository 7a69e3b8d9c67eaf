import { createFunctionContext, stepHandler } from '../function-context.ts';
import { selectWinner } from './select-winner.ts';

const context = createFunctionContext('select');

/** Lambda: the workflow's select step (close the run, pick the winner). */
export const handler = stepHandler(context, (event: { readonly runId: string }) => selectWinner(context.store, event));
