import { createFunctionContext, stepHandler } from '../function-context.ts';
import type { WorkflowInput } from '../workflow-state.ts';
import { runIngestStep } from './ingest-step.ts';

const context = createFunctionContext('ingest');

/** Lambda: the workflow's ingest step. */
export const handler = stepHandler(context, (event: WorkflowInput) => runIngestStep(context.store, event));
