// The CPU Batch scoring job's entrypoint (the trainer image's cpu target on Fargate): scores one part of a customer
// base after a promotion or on the rescoring schedule. The part arrives as TANDEM_SCORE_PART (container override); the
// store as `--store URL` (the job definition's `Ref::store`) or TANDEM_STORE. Prints the part's result as one JSON
// line; exits 0 scored, 1 failed, 2 bad input. It calls src/serve/rescore-job.ts, as the local workflow does, which
// streams through the same scorer as `tandem score`.
import { parseArgs } from 'node:util';
import { readEnvironment } from '../../src/config/environment.ts';
import { TandemError } from '../../src/errors/tandem-error.ts';
import { WorkflowStepError } from '../../src/errors/workflow-step-error.ts';
import { selectBackend } from '../../src/model/backend.ts';
import { runRescoreJob, SCORE_PART_ENV_VAR } from '../../src/serve/rescore-job.ts';
import { openStore } from '../../src/store/open-store.ts';

const { values } = parseArgs({ args: process.argv.slice(2), options: { store: { type: 'string' } }, strict: true });
const storeUri = values.store ?? process.env.TANDEM_STORE;
if (storeUri === undefined || storeUri === '') {
  process.stderr.write('scoring job: no store; pass --store s3://bucket/ or set TANDEM_STORE\n');
  process.exit(2);
}

try {
  const env = readEnvironment(process.env);
  await selectBackend(env.backend ?? 'wasm');
  const store = openStore(storeUri, { s3ClientConfig: env.s3ClientConfig });
  const result = await runRescoreJob(store, process.env[SCORE_PART_ENV_VAR], { s3ClientConfig: env.s3ClientConfig });
  process.stdout.write(`${JSON.stringify({ part: result.part, rows: result.rows, rejected: result.rejected, files: result.files.length })}\n`);
} catch (error) {
  process.stderr.write(`scoring job: ${(error as Error).name}: ${(error as Error).message}\n`);
  process.exitCode = error instanceof TandemError ? (error instanceof WorkflowStepError ? 2 : error.exitCode) : 1;
}
