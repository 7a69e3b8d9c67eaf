import * as tf from '@tensorflow/tfjs';
import type { BatchTargets } from '../model/architecture.ts';
import type { TargetScale } from '../model/target-scale.ts';
import type { EncodedSplit } from './encoded-split.ts';
import type { TrainTask } from './train-task.ts';

/** One training batch in plain arrays: `x` row-major `[rows, width]`, per task `[rows]` targets and 0/1 masks. */
export interface TrainingBatch {
  readonly rows: number;
  readonly width: number;
  readonly x: Float32Array;
  readonly targets: Readonly<Record<string, { readonly y: Float32Array; readonly mask: Float32Array }>>;
}

/**
 * Copies the rows of one batch into fresh arrays (wasm's Slice would copy the whole source tensor); regression labels
 * are standardised, class indices and 0/1 labels kept, missing labels masked (target 0, mask 0).
 */
export function copyBatch(split: EncodedSplit, rows: readonly number[], tasks: readonly TrainTask[], targetScales: Readonly<Record<string, TargetScale>>): TrainingBatch {
  const x = new Float32Array(rows.length * split.width);
  rows.forEach((row, i) => x.set(split.x.subarray(row * split.width, (row + 1) * split.width), i * split.width));
  const targets: Record<string, { y: Float32Array; mask: Float32Array }> = {};
  for (const task of tasks) {
    const labels = split.labels[task.name] as Float32Array;
    const scale = task.type === 'regression' ? (targetScales[task.name] ?? { mean: 0, std: 1 }) : { mean: 0, std: 1 };
    const y = new Float32Array(rows.length);
    const mask = new Float32Array(rows.length);
    rows.forEach((row, i) => {
      const label = labels[row] as number;
      if (Number.isNaN(label)) return;
      y[i] = (label - scale.mean) / scale.std;
      mask[i] = 1;
    });
    targets[task.name] = { y, mask };
  }
  return { rows: rows.length, width: split.width, x, targets };
}

/** A batch as tensors: input `[rows, width]` and the targets per task. */
export interface BatchTensors {
  readonly input: tf.Tensor2D;
  readonly targets: BatchTargets;
}

/** The batch as tensors (call inside a tidy, or dispose them). */
export function batchTensors(batch: TrainingBatch): BatchTensors {
  const labels: Record<string, tf.Tensor1D> = {};
  const masks: Record<string, tf.Tensor1D> = {};
  for (const [name, target] of Object.entries(batch.targets)) {
    labels[name] = tf.tensor1d(target.y);
    masks[name] = tf.tensor1d(target.mask);
  }
  return { input: tf.tensor2d(batch.x, [batch.rows, batch.width]), targets: { labels, masks } };
}
