import { z } from 'zod';

/**
 * Per-architecture and per-weighting arguments (`model.mmoe`, `model.gradnorm`, …): each a documented object with
 * named defaults, and the search dimensions it adds when its architecture or strategy is drawn. The search space
 * names a dimension `<section>.<field>` (`mmoe.experts`) and conditions it on `arch` or `weighting`.
 */

/** A search dimension as the search space takes it (see `paramSpecSchema`), without its condition. */
export type ArgSearchDimension =
  | { readonly type: 'int'; readonly low: number; readonly high: number; readonly step?: number; readonly log?: boolean }
  | { readonly type: 'float'; readonly low: number; readonly high: number; readonly log?: boolean }
  | { readonly type: 'categorical'; readonly choices: readonly (string | number | boolean)[] };

export const mmoeArgsSchema = z
  .object({
    experts: z.number().int().min(1).max(32).default(4).describe('Number of experts, each an MLP with the widths of sharedUnits.'),
  })
  .strict()
  .describe('mmoe (Ma et al. 2018): experts shared by all tasks, mixed by a softmax gate per task.');

export const pleArgsSchema = z
  .object({
    levels: z.number().int().min(1).max(4).default(2).describe('Stacked CGC levels.'),
    sharedExperts: z.number().int().min(1).max(8).default(2).describe('Shared experts per level.'),
    taskExperts: z.number().int().min(1).max(8).default(1).describe('Experts of each task per level.'),
  })
  .strict()
  .describe('ple (Tang et al. 2020): CGC levels of shared and task-specific experts; each expert is an MLP with the widths of sharedUnits.');

export const crossStitchArgsSchema = z
  .object({
    selfWeight: z.number().gt(0).lte(1).default(0.9).describe('Initial weight of a task column on itself in each cross-stitch unit; the rest is spread over the other columns.'),
  })
  .strict()
  .describe('cross-stitch (Misra et al. 2016): one column per task (the widths of sharedUnits), mixed after every layer by learned cross-stitch units.');

export const adversarialArgsSchema = z
  .object({
    adversaryWeight: z.number().min(0).default(0.05).describe('Weight of the task discriminator loss; its gradient reaches the shared encoder reversed.'),
    orthogonalityWeight: z
      .number()
      .min(0)
      .default(0.01)
      .describe('Weight of the penalty Σ_k ‖Sᵀ P_k‖² on the correlations between shared and private units (each task’s term in [0, 1]).'),
    discriminatorUnits: z.number().int().positive().default(32).describe('Hidden width of the task discriminator.'),
  })
  .strict()
  .describe('adversarial (Liu et al. 2017): shared and private encoders, a task discriminator on the shared features through gradient reversal.');

export const gradnormArgsSchema = z
  .object({
    alpha: z.number().min(0).default(1.5).describe('Restoring force α: how strongly slower-learning tasks are pushed up.'),
    learningRate: z.number().positive().default(0.025).describe('Adam step size of the task-weight updates.'),
  })
  .strict()
  .describe('gradnorm (Chen et al. 2018): task weights trained so that weighted gradient norms on the shared parameters follow each task’s training rate.');

export const dwaArgsSchema = z
  .object({
    temperature: z.number().positive().default(2).describe('T: higher values give weights closer to equal.'),
  })
  .strict()
  .describe('dwa (Liu et al. 2019): weights from the ratio of each task’s last two epoch losses.');

export const dtpArgsSchema = z
  .object({
    gamma: z.number().min(0).default(2).describe('Focusing γ: how much harder tasks (low KPI) are favoured.'),
    smoothing: z.number().gt(0).lte(1).default(0.5).describe('Weight of the newest epoch in the KPI’s moving average.'),
  })
  .strict()
  .describe('dtp (Guo et al. 2018): weights −(1 − κ)^γ · log κ from each task’s validation KPI κ = (auc + f1) / 2.');

/** The arguments sections of the model config, by the architecture or strategy they belong to. */
export const architectureArgs = {
  mmoe: { section: 'mmoe', schema: mmoeArgsSchema, search: { experts: { type: 'int', low: 2, high: 8 } } },
  ple: {
    section: 'ple',
    schema: pleArgsSchema,
    search: { levels: { type: 'int', low: 1, high: 3 }, sharedExperts: { type: 'int', low: 1, high: 4 }, taskExperts: { type: 'int', low: 1, high: 2 } },
  },
  'cross-stitch': { section: 'crossStitch', schema: crossStitchArgsSchema, search: { selfWeight: { type: 'float', low: 0.5, high: 1 } } },
  adversarial: {
    section: 'adversarial',
    schema: adversarialArgsSchema,
    search: { adversaryWeight: { type: 'float', low: 0.001, high: 0.5, log: true }, orthogonalityWeight: { type: 'float', low: 0.0001, high: 0.1, log: true } },
  },
} as const satisfies Record<string, { section: string; schema: z.ZodType; search: Record<string, ArgSearchDimension> }>;

/** The arguments sections of the model config, by the weighting strategy they belong to. */
export const weightingArgs = {
  gradnorm: { section: 'gradnorm', schema: gradnormArgsSchema, search: { alpha: { type: 'float', low: 0.5, high: 3 } } },
  dwa: { section: 'dwa', schema: dwaArgsSchema, search: { temperature: { type: 'float', low: 0.5, high: 5, log: true } } },
  dtp: { section: 'dtp', schema: dtpArgsSchema, search: { gamma: { type: 'float', low: 0.5, high: 4 } } },
} as const satisfies Record<string, { section: string; schema: z.ZodType; search: Record<string, ArgSearchDimension> }>;
