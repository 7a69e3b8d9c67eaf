import path from 'node:path';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { readTable, type RawTable } from '../../src/data/read-table.ts';
import { restoreUrisInError, stageFlagInputs } from '../../src/data/stage-raw-inputs.ts';
import { BadInputError } from '../../src/errors/bad-input-error.ts';
import { validateRows } from '../../src/features/preprocessor.ts';
import { selectBackend } from '../../src/model/backend.ts';
import { loadModel } from '../../src/model/model-artifacts.ts';
import { measureBatchStability } from '../../src/serve/batch-stability.ts';
import { checkFeatureColumns } from '../../src/serve/missing-feature-columns.ts';
import { scoreRows } from '../../src/serve/score-rows.ts';
import { writeScores } from '../../src/serve/write-scores.ts';
import { championProject, projectFlag } from '../champion-project.ts';
import type { Command } from '../command.ts';
import { buildRawFeatureTable } from '../raw-feature-table.ts';

/** The `--input` table: a local file, or an `s3://` object streamed to a private folder and read from there. */
async function readInputTable(source: string, s3ClientConfig: S3ClientConfig): Promise<RawTable> {
  const staged = await stageFlagInputs({ inputFile: source }, { s3ClientConfig });
  try {
    return await readTable(staged.inputFile ?? source);
  } catch (error) {
    throw restoreUrisInError(error, staged);
  } finally {
    await staged.cleanup();
  }
}

/** `tandem score`: batch scoring of a file with a saved model. */
export const scoreCommand: Command = {
  name: 'score',
  summary: 'batch-score a CSV or JSONL file with a model: id, per task score/decision/decile, segment',
  help: [
    'The input needs every feature column the model reads (extra columns are ignored); a missing one is an error',
    'naming it, unless --allow-missing-features (then it is imputed in every row and a warning gives the count).',
    'Example: npm run --silent tandem -- score --model champion --input customers.csv --out scores.csv',
  ].join('\n'),
  flags: {
    model: { type: 'string', valueName: 'ID|champion|PATH', description: 'the model (default: champion)' },
    project: projectFlag,
    input: { type: 'string', valueName: 'FILE', description: 'rows to score (.csv or .jsonl, a local path or s3:// URI); label columns are ignored' },
    out: { type: 'string', valueName: 'FILE', description: 'where to write the scores (.csv, .jsonl or .parquet)' },
    cutoff: { type: 'string', valueName: 'DATE', description: 'events mode: feature cutoff (with --raw; auto: the day after the last event)' },
    'allow-missing-features': { type: 'boolean', description: 'score although the input lacks feature columns of the model (imputed in every row; a warning gives the count); without it that is an error' },
  },
  async run(context) {
    const input = context.flags.input ?? context.flags.data;
    const out = context.flags.out;
    const fromRaw = typeof context.flags.raw === 'string';
    if (!fromRaw && typeof input !== 'string') throw new BadInputError('score needs --input FILE (or, for an events-mode model, --raw DIR --cutoff DATE)', { value: '--input' });
    if (typeof out !== 'string') throw new BadInputError('score needs --out FILE', { value: '--out' });
    const store = await context.store();
    await selectBackend(context.env.backend);
    const reference = typeof context.flags.model === 'string' ? context.flags.model : 'champion';
    const model = await loadModel(store, reference, reference === 'champion' ? { project: await championProject(context, store) } : {});
    try {
      if (fromRaw && model.card.events === undefined) throw new BadInputError(`model ${model.modelId} was trained on a table: score it with --input FILE`, { value: '--raw' });
      const source = fromRaw ? String(context.flags.raw) : String(input);
      const table = fromRaw ? (await buildRawFeatureTable(context, model.card.events)).table : await readInputTable(source, context.env.s3ClientConfig);
      const issues = validateRows(model.preprocessor, table.rows, 'row');
      if (issues.length > 0) {
        // Re-address `row[i].column` as file:line:column, which is what a person fixes.
        const details = issues.map((issue) => {
          const match = /^row\[(\d+)\]\.?(.*)$/.exec(issue.path);
          const line = match === null ? undefined : table.lines[Number(match[1])];
          return { path: `${path.basename(source)}:${line ?? '?'}:${match?.[2] ?? ''}`, issue: issue.issue };
        });
        const first = details[0] as { path: string; issue: string };
        throw new BadInputError(`${source}: ${details.length} invalid cell(s); first at ${first.path}: ${first.issue}`, { details, value: source });
      }
      const columns = checkFeatureColumns(model.preprocessor, source, table.columns, { allowMissing: context.flags['allow-missing-features'] === true });
      if (columns.warning !== undefined) context.log(columns.warning);
      const predictions = await scoreRows(model, table.rows);
      const served = model.card.tasks.filter((task) => !task.auxiliary);
      await writeScores(out, predictions, served);
      // Models saved before stability.json existed simply get no stability section.
      const stability = model.stability === undefined || predictions.length === 0 ? undefined : measureBatchStability(model.stability, table.rows, predictions);
      for (const warning of stability?.warnings ?? []) context.log(`warning: ${warning}`);
      return {
        json: { rows: predictions.length, out, modelId: model.modelId, ...(stability === undefined ? {} : { stability }) },
        text: `scored ${predictions.length} rows with ${model.modelId} → ${out}`,
      };
    } finally {
      model.network.dispose();
    }
  },
};
