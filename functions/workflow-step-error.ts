// The error lives in src (the ingest job's code there throws it too); the steps import it from here.
export { WorkflowStepError } from '../src/errors/workflow-step-error.ts';
