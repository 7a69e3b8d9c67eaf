// The trainer container's entrypoint: one search trial, exactly as the Batch job definition runs it.
// The trial arrives as TANDEM_TRIAL (the Step Functions Map's container override: a reference to the spec the plan
// or promote-rung step wrote to the store, or a full spec); the store as `--store URL`
// (the job definition's `Ref::store` parameter) or TANDEM_STORE. Exits with the trial's status: 0 trained,
// 1 failed, 2 bad spec — so Batch, and the workflow's Catch, see a failed trial as a failed job.
// It calls the same src functions as `tandem trial` (the local search's worker): parse and resolve the trial input,
// select the backend, run the trial worker.
import { parseArgs } from 'node:util';
import { readEnvironment } from '../../src/config/environment.ts';
import { BadInputError } from '../../src/errors/bad-input-error.ts';
import { TandemError } from '../../src/errors/tandem-error.ts';
import { selectBackend } from '../../src/model/backend.ts';
import { describeBackend, formatBackendLine } from '../../src/model/describe-backend.ts';
import { parseTrialInput, resolveTrialInput } from '../../src/search/trial-ref.ts';
import { describeTrialOutcome, runTrialWorker } from '../../src/search/trial-worker.ts';
import { openStore } from '../../src/store/open-store.ts';

// Batch stops a job with SIGTERM: end the trial there, exit 143 (it resumes from its checkpoint on the next try).
process.once('SIGTERM', () => process.exit(143));
process.once('SIGINT', () => process.exit(130));

const { values } = parseArgs({ args: process.argv.slice(2), options: { store: { type: 'string' } }, strict: true });
const storeUri = values.store ?? process.env.TANDEM_STORE;
if (storeUri === undefined || storeUri === '') {
  process.stderr.write('trainer: no store; pass --store s3://bucket/ or set TANDEM_STORE\n');
  process.exit(2);
}

try {
  const env = readEnvironment(process.env);
  if (env.trialSpec === undefined || env.trialSpec === '') throw new BadInputError('trainer: no trial; the job needs TANDEM_TRIAL (a trial spec or reference)', { value: 'TANDEM_TRIAL' });
  const input = parseTrialInput(env.trialSpec, 'TANDEM_TRIAL');
  const store = openStore(storeUri, { s3ClientConfig: env.s3ClientConfig });
  const spec = await resolveTrialInput(store, input);
  const backend = await selectBackend(env.backend);
  // The first line of every trial's log names the backend and the device (a GPU's name, or CPU).
  process.stderr.write(`trial ${spec.trialId}: ${formatBackendLine(await describeBackend())}\n`);
  const totalEpochs = spec.untilEpoch ?? spec.params.epochs;
  const outcome = await runTrialWorker(store, spec, {
    backend,
    // One JSON line per epoch on stderr: the job's log stream (CloudWatch) reads them as structured records.
    onEpoch: (record) => process.stderr.write(`${JSON.stringify({ trialId: spec.trialId, epoch: record.epoch, of: totalEpochs, trainLoss: record.trainLoss, validationScore: record.validationScore, seconds: record.seconds })}\n`),
  });
  process.stderr.write(`${describeTrialOutcome(outcome)}\n`);
  process.stdout.write(`${JSON.stringify(outcome)}\n`);
} catch (error) {
  process.stderr.write(`trainer: ${(error as Error).name}: ${(error as Error).message}\n`);
  process.exitCode = error instanceof TandemError ? error.exitCode : 1;
}
