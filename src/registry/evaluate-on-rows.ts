import type { SelectionConfig } from '../config/schema.ts';
import type { LabelledRow } from '../data/labelled-row.ts';
import type { SplitMetrics } from '../metrics/evaluation.ts';
import type { LoadedModel } from '../model/model-artifacts.ts';
import { encodeSplit } from '../train/encoded-split.ts';
import { evaluatePredictions } from '../train/evaluate-predictions.ts';
import { predictNetwork } from '../train/predict-network.ts';
import type { TrainTask } from '../train/train-task.ts';

/**
 * A saved model's SPEC §5 metrics on labelled rows (e.g. another dataset's test split), with the decision
 * thresholds it was saved with, so champion and challenger can be compared on the same rows. Tasks the rows do not
 * label are left out.
 */
export async function evaluateModelOnRows(model: LoadedModel, rows: readonly LabelledRow[], selection: Pick<SelectionConfig, 'weights'>): Promise<SplitMetrics> {
  const labelled = new Set(rows.flatMap((row) => Object.keys(row.labels)));
  const rules = model.card.tasks.filter((task) => labelled.has(task.name));
  const split = encodeSplit(rows, model.preprocessor, rules.map((task) => task.name));
  const outputs = await predictNetwork(model.network, split.x, split.rows, split.width, model.card.tasks.map((task) => task.name));
  const tasks: TrainTask[] = rules.map((rule) => ({
    name: rule.name,
    type: rule.type,
    units: rule.type === 'multiclass' ? (rule.classes?.length ?? 1) : 1,
    ...(rule.type === 'multiclass' ? { classes: rule.classes ?? [] } : {}),
    auxiliary: rule.auxiliary,
    loss: rule.type === 'binary' ? 'bce' : rule.type === 'multiclass' ? 'softmax' : 'mse',
    weight: 1,
    ...(rule.type === 'regression' ? { positiveAbove: rule.positiveAbove ?? rule.threshold } : {}),
  }));
  const thresholds = Object.fromEntries(rules.map((rule) => [rule.name, rule.threshold]));
  return evaluatePredictions(outputs, split, tasks, thresholds, selection.weights);
}
