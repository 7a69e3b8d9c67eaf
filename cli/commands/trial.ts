import { readFile } from 'node:fs/promises';
import { BadInputError } from '../../src/errors/bad-input-error.ts';
import { selectBackend } from '../../src/model/backend.ts';
import { describeBackend, formatBackendLine } from '../../src/model/describe-backend.ts';
import { parseTrialInput, resolveTrialInput } from '../../src/search/trial-ref.ts';
import { describeTrialOutcome, runTrialWorker } from '../../src/search/trial-worker.ts';
import type { Command } from '../command.ts';
import { createEpochReporter } from '../progress.ts';

/** `tandem trial`: the worker entrypoint for one search trial (local pool and trainer container alike). */
export const trialCommand: Command = {
  name: 'trial',
  summary: 'run one search trial from a JSON spec (what `search` workers and the trainer container run)',
  help: [
    'The spec comes from --spec (JSON text, or @FILE) or the TANDEM_TRIAL environment variable. It names the run,',
    'trial, dataset and model parameters; the trial resumes from its checkpoint in the store when one exists.',
    'Instead of a spec, a reference {"trialId","untilEpoch","specKey"} (what the AWS workflow passes) names the',
    'spec\'s key in the store. A spec with "fold": {"folds","index","seed"} trains that fold copy of the trial instead',
    '(what a search\'s cross-fitted closing launches, search.ensembleFolds).',
  ].join('\n'),
  flags: {
    spec: { type: 'string', valueName: 'JSON|@FILE', description: 'the trial spec (default: $TANDEM_TRIAL)' },
  },
  async run(context) {
    const raw = typeof context.flags.spec === 'string' ? context.flags.spec : context.env.trialSpec;
    if (raw === undefined || raw === '') throw new BadInputError('trial needs --spec JSON|@FILE or TANDEM_TRIAL', { value: '--spec' });
    const text = raw.startsWith('@') ? await readFile(raw.slice(1), 'utf8') : raw;
    const input = parseTrialInput(text, raw.startsWith('@') ? raw.slice(1) : '--spec');
    if (context.env.watchParent) exitWhenOrphaned();
    const store = await context.store();
    const spec = await resolveTrialInput(store, input);
    const backend = await selectBackend(context.env.backend);
    // First line of every trial's log: which backend and device it trains on (a GPU job that fell back shows it here).
    const copy = spec.fold === undefined ? '' : ` (fold copy ${String(spec.fold.index)} of ${String(spec.fold.folds)})`;
    context.log(`trial ${spec.trialId}${copy}: ${formatBackendLine(await describeBackend())}`);
    const reporter = createEpochReporter(context, spec.untilEpoch ?? spec.params.epochs, spec.trialId);
    const outcome = await runTrialWorker(store, spec, { backend, onEpoch: reporter.onEpoch }).finally(reporter.done);
    return { json: outcome, text: describeTrialOutcome(outcome) };
  },
};

/** A worker whose search was killed must not go on writing into the run: exit when the parent process is gone. */
function exitWhenOrphaned(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(1);
  }, 1000).unref();
}
