// The trainer container's entrypoint: one search trial, exactly as the Batch job definition runs it.
// The trial arrives as TANDEM_TRIAL (the Step Functions Map's container override: a reference to the spec the plan
// or promote-rung step wrote to the store, or a full spec); the store as `--store URL`
// (the job definition's `Ref::store` parameter) or TANDEM_STORE. Exits with the trial's status: 0 trained,
// 1 failed, 2 bad spec — so Batch, and the workflow's Catch, see a failed trial as a failed job.
import { parseArgs } from 'node:util';
import { runCli } from '../../cli/main.ts';
import { listenForStopSignals } from '../../cli/stop-signals.ts';

const { values } = parseArgs({ args: process.argv.slice(2), options: { store: { type: 'string' } }, strict: true });
const store = values.store ?? process.env.TANDEM_STORE;
if (store === undefined || store === '') {
  process.stderr.write('trainer: no store; pass --store s3://bucket/ or set TANDEM_STORE\n');
  process.exit(2);
}

const stopSignals = listenForStopSignals();
process.exitCode = await runCli(['trial', '--store', store, '--json'], {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  interactive: false,
  env: process.env,
  // Batch stops a job with SIGTERM: end the trial there, exit 143 (it resumes from its checkpoint on the next try).
  stopped: stopSignals.stopped,
  stopSignals,
});
