// The CPU Batch ingest job's entrypoint (the trainer image on Fargate): the workflow's ingest step for raw inputs
// too large for the ingest Lambda, running the same code. The workflow state arrives as TANDEM_INGEST and the store
// key for the result as TANDEM_INGEST_RESULT (container overrides); the store as `--store URL` (the job definition's
// `Ref::store`) or TANDEM_STORE. Prints the result as one JSON line; exits 0 ingested, 1 failed, 2 bad input.
// It calls src/data/ingest-job.ts, as the ingest Lambda (functions/ingest) and the local workflow do.
import { parseArgs } from 'node:util';
import { readEnvironment } from '../../src/config/environment.ts';
import { runIngestJob } from '../../src/data/ingest-job.ts';
import { INGEST_INPUT_ENV_VAR, INGEST_RESULT_ENV_VAR } from '../../src/data/ingest-job-variables.ts';
import { TandemError } from '../../src/errors/tandem-error.ts';
import { WorkflowStepError } from '../../src/errors/workflow-step-error.ts';
import { openStore } from '../../src/store/open-store.ts';

const { values } = parseArgs({ args: process.argv.slice(2), options: { store: { type: 'string' } }, strict: true });
const storeUri = values.store ?? process.env.TANDEM_STORE;
if (storeUri === undefined || storeUri === '') {
  process.stderr.write('ingest job: no store; pass --store s3://bucket/ or set TANDEM_STORE\n');
  process.exit(2);
}

try {
  const { s3ClientConfig } = readEnvironment(process.env);
  const store = openStore(storeUri, { s3ClientConfig });
  const output = await runIngestJob(store, { input: process.env[INGEST_INPUT_ENV_VAR], resultKey: process.env[INGEST_RESULT_ENV_VAR] });
  process.stdout.write(`${JSON.stringify({ datasetId: output.datasetId, tasks: output.tasks.map((task) => task.name) })}\n`);
} catch (error) {
  process.stderr.write(`ingest job: ${(error as Error).name}: ${(error as Error).message}\n`);
  // A workflow-state error is the caller's fault, as bad input is.
  process.exitCode = error instanceof TandemError ? (error instanceof WorkflowStepError ? 2 : error.exitCode) : 1;
}
