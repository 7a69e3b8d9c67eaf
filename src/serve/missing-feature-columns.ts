import { BadInputError } from '../errors/bad-input-error.ts';
import type { Preprocessor } from '../features/preprocessor.ts';

/** Options of {@link checkFeatureColumns}. */
export interface CheckFeatureColumnsOptions {
  /**
   * Score anyway when columns are missing (each is imputed in every row as in training): the caller warns instead.
   * @default false
   */
  readonly allowMissing?: boolean;
  /**
   * The flag that allows missing columns, named in the error.
   * @default '--allow-missing-features'
   */
  readonly allowFlag?: string;
  /**
   * How many missing columns the message lists before "and N more".
   * @default 10
   */
  readonly listed?: number;
}

/** What {@link checkFeatureColumns} found: the model's feature columns the input lacks, in the model's order. */
export interface FeatureColumnCheck {
  readonly missing: readonly string[];
  /** The number of feature columns the model reads. */
  readonly modelColumns: number;
  /** With `allowMissing` and missing columns: the warning to print (the count and the first columns). */
  readonly warning?: string;
}

/**
 * Batch scoring's file-level check: every feature column the model reads must be a column of the input. A missing
 * column would be imputed in every row (the training median, the share of yes, the out-of-vocabulary bucket), which
 * gives plausible but meaningless scores, so it is refused unless `allowMissing` (the caller then warns with the
 * count). Extra columns (labels, notes) are fine. Rows scored over the API are checked per row instead.
 *
 * @throws BadInputError naming the input, the missing columns (the first `listed`, then a count) and the flag.
 */
export function checkFeatureColumns(preprocessor: Preprocessor, source: string, columns: readonly string[], options: CheckFeatureColumnsOptions = {}): FeatureColumnCheck {
  const { allowMissing = false, allowFlag = '--allow-missing-features', listed = 10 } = options;
  const present = new Set(columns);
  const modelColumns = preprocessor.columns.map((column) => column.name);
  const missing = modelColumns.filter((name) => !present.has(name));
  if (missing.length === 0) return { missing, modelColumns: modelColumns.length };
  const shown = missing.slice(0, listed).map((name) => `"${name}"`).join(', ');
  const rest = missing.length > listed ? ` and ${missing.length - listed} more` : '';
  if (allowMissing) {
    const warning = `warning: ${source}: ${missing.length} of the model's ${modelColumns.length} feature columns are missing (${shown}${rest}); they are imputed in every row`;
    return { missing, modelColumns: modelColumns.length, warning };
  }
  const none = missing.length === modelColumns.length;
  const what = none
    ? `none of the model's ${modelColumns.length} feature columns is present (it reads ${shown}${rest})`
    : `${missing.length} of the model's ${modelColumns.length} feature columns are missing: ${shown}${rest}`;
  const hint = `${none ? 'is this the input the model was trained for? ' : ''}${allowFlag} scores anyway, imputing missing columns in every row as in training`;
  throw new BadInputError(`${source}: ${what}; ${hint}`, {
    value: missing,
    // One detail, not one per column: a file for another model can lack dozens. `value` lists them all.
    details: [{ path: source, issue: `missing feature columns: ${missing.join(', ')}` }],
  });
}
