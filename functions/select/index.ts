import { selectBackend } from '../../src/model/backend.ts';
import { createFunctionContext, stepHandler } from '../function-context.ts';
import { selectWinner } from './select-winner.ts';

const context = createFunctionContext('select');
// The closing scores ensembles (and with search.ensembleFolds trains fold copies): on wasm, not TensorFlow.js's cpu default.
await selectBackend(context.env.backend ?? 'wasm');

/** Lambda: the workflow's select step (close the run, pick the winner). */
export const handler = stepHandler(context, (event: { readonly runId: string }) => selectWinner(context.store, event));
