import * as tf from '@tensorflow/tfjs';
import { createSeededRandom, type SeededRandom } from '../random/seeded-random.ts';

/** Arguments of {@link SeededDropout}. */
export interface SeededDropoutArgs {
  /** Share of units zeroed during training, in [0, 1). */
  readonly rate: number;
  /** Seed of the stream of per-call seeds: the same seed gives the same masks in the same order. */
  readonly seed: number;
  readonly name?: string;
}

/**
 * Inverted dropout whose masks come from a seeded stream, so training is reproducible. tfjs' own `dropout` with a
 * `seed` reuses one mask for every batch, and without one it is not reproducible. Used only in the training graph
 * (the serving graph has no dropout), so it is never serialised. Input/output: `[batch, units]`.
 */
export class SeededDropout extends tf.layers.Layer {
  static readonly className = 'TandemSeededDropout';
  private readonly rate: number;
  private random: SeededRandom;
  /** While repeating, the seed every call reuses (drawn on the first call). */
  private repeating: { seed: number | undefined } | undefined;

  constructor({ rate, seed, name }: SeededDropoutArgs) {
    super(name === undefined ? {} : { name });
    this.rate = rate;
    this.random = createSeededRandom(seed);
  }

  /** Restarts the mask stream from `seed`: training reseeds every epoch so a resumed run draws the same masks. */
  reseed(seed: number): void {
    this.random = createSeededRandom(seed);
  }

  /**
   * Until `endRepeat`, every call draws the same mask: the per-task gradient passes of one batch (GradNorm, PCGrad,
   * diagnostics) then differentiate one stochastic forward pass, not K different ones.
   */
  beginRepeat(): void {
    this.repeating = { seed: undefined };
  }

  endRepeat(): void {
    this.repeating = undefined;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const input = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    if (this.rate === 0) return input;
    return tf.tidy(() => {
      const seed = this.repeating === undefined ? this.random.int(2 ** 31) : (this.repeating.seed ??= this.random.int(2 ** 31));
      const keep = tf.randomUniform(input.shape, 0, 1, 'float32', seed).greaterEqual(this.rate);
      return input.mul(keep.cast('float32')).div(1 - this.rate);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}
