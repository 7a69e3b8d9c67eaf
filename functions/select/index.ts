import { selectBackend } from '../../src/model/backend.ts';
import { createFunctionContext, stepHandler } from '../function-context.ts';
import type { RungState, SelectOutput } from '../workflow-state.ts';
import { planClosing, type PlanClosingEvent } from './plan-closing.ts';
import { selectWinner } from './select-winner.ts';

const context = createFunctionContext('select');
// The closing scores ensembles (and with search.ensembleFolds trains fold copies): on wasm, not TensorFlow.js's cpu default.
await selectBackend(context.env.backend ?? 'wasm');

/** Lambda: the workflow's select step (close the run, pick the winner), and before it the closing's plan (`action: "plan-closing"`). */
export const handler = stepHandler(context, (event: { readonly runId: string } | PlanClosingEvent): Promise<RungState | SelectOutput> =>
  'action' in event && event.action === 'plan-closing' ? planClosing(context.store, event) : selectWinner(context.store, event),
);
