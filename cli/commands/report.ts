import path from 'node:path';
import { BadInputError } from '../../src/errors/bad-input-error.ts';
import { writeRunReport } from '../../src/report/write-run-report.ts';
import { writeFileAtomically } from '../../src/store/write-file-atomically.ts';
import type { Command } from '../command.ts';

/** `tandem report`: the self-contained HTML report of a search run (SPEC §1). */
export const reportCommand: Command = {
  name: 'report',
  summary: 'write the self-contained HTML report of a search run (runs/<runId>/report.html)',
  help: [
    'The page holds the leaderboard, per-task metrics of the winner vs the single baseline, ROC and PR curves,',
    'learning curves, ASHA rungs, task weight vs score, the winner\'s task diagnostics (effective weights, gradient',
    'cosines, label correlations), the Pareto front and parameter importance, as inline SVG:',
    'no script and nothing fetched, so it opens offline.',
    'Example: npm run --silent tandem -- report --run telco-20261128T120931Z-a1b2c3 --out report.html',
  ].join('\n'),
  flags: {
    run: { type: 'string', valueName: 'RUNID', description: 'the search run to report on' },
    out: { type: 'string', valueName: 'FILE', description: 'also write a copy of the page to this local file' },
  },
  async run(context) {
    const runId = context.flags.run;
    if (typeof runId !== 'string' || runId === '') throw new BadInputError('report needs --run RUNID', { value: '--run' });
    const out = context.flags.out;
    if (out !== undefined && (typeof out !== 'string' || out === '')) throw new BadInputError('--out needs a file path', { value: '--out' });
    const store = await context.store();
    const written = await writeRunReport(store, runId);
    const copy = typeof out === 'string' ? path.resolve(out) : undefined;
    if (copy !== undefined) await writeFileAtomically(copy, written.html);
    const json = { report: written.uri, key: written.key, ...(copy === undefined ? {} : { out: copy }) };
    return { json, text: [`report: ${written.uri}`, ...(copy === undefined ? [] : [`copy: ${copy}`])].join('\n') };
  },
};
