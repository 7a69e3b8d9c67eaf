import { selectBackend } from '../../src/model/backend.ts';
import { createFunctionContext, stepHandler } from '../function-context.ts';
import type { SelectOutput } from '../workflow-state.ts';
import { promoteChampion } from './promote-champion.ts';

const context = createFunctionContext('promote');
// The champion/challenger comparison scores both models; the Lambda package carries the wasm backend.
await selectBackend(context.env.backend ?? 'wasm');

/** Lambda: the workflow's promote step (champion/challenger, then the champion pointer). */
export const handler = stepHandler(context, (event: SelectOutput) => promoteChampion(context.store, event));
