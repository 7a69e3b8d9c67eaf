import * as tf from '@tensorflow/tfjs';
import { createSeededRandom, type SeededRandom } from '../random/seeded-random.ts';
import { fillAleaKeepMasks } from './alea-uniform.ts';

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

  /** Share of units zeroed during training. */
  get dropoutRate(): number {
    return this.rate;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const input = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    if (this.rate === 0) return input;
    return tf.tidy(() => {
      const keep = tf.randomUniform(input.shape, 0, 1, 'float32', this.nextSeed()).greaterEqual(this.rate);
      return input.mul(keep.cast('float32')).div(1 - this.rate);
    });
  }

  /**
   * The next mask as 0/1 bytes for a `shape` input, the very mask `call` would draw next (tfjs' uniform draws,
   * {@link fillAleaKeepMasks}, compared with the rate in float32 as greaterEqual does), for fused training kernels that
   * apply it in one pass (src/train/fused-layer-ops.ts). Undefined at rate 0, where `call` is the identity.
   */
  drawKeepMask(shape: readonly number[]): Uint8Array | undefined {
    return drawKeepMasks([{ layer: this, shape }])[0];
  }

  /** The seed of the mask `call` would draw next, taken from the stream; undefined at rate 0 (nothing drawn). */
  takeMaskSeed(): number | undefined {
    return this.rate === 0 ? undefined : this.nextSeed();
  }

  /** The seed of the next mask: a fresh draw, or while repeating the one drawn first. */
  private nextSeed(): number {
    return this.repeating === undefined ? this.random.int(2 ** 31) : (this.repeating.seed ??= this.random.int(2 ** 31));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}

/**
 * The next keep mask of each request's layer (see {@link SeededDropout.drawKeepMask}), undefined for a layer at rate 0:
 * drawn together, so that the streams' generators interleave (each layer's stream is its own, so drawing them
 * together gives each the mask it would draw alone).
 */
export function drawKeepMasks(requests: readonly { readonly layer: SeededDropout; readonly shape: readonly number[] }[]): (Uint8Array | undefined)[] {
  const masks = requests.map(({ layer, shape }) => {
    const seed = layer.takeMaskSeed();
    return seed === undefined ? undefined : { seed, rate: layer.dropoutRate, keep: new Uint8Array(shape.reduce((size, n) => size * n, 1)) };
  });
  fillAleaKeepMasks(masks.filter((mask) => mask !== undefined));
  return masks.map((mask) => mask?.keep);
}
