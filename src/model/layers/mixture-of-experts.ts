import * as tf from '@tensorflow/tfjs';
import { TandemError } from '../../errors/tandem-error.ts';
import type { ArchitectureContext } from '../architecture.ts';
import type { BaseLayerArgs, LayerShape } from './layer-io.ts';

/** Arguments of {@link MixtureOfExperts}. */
export interface MixtureOfExpertsArgs extends BaseLayerArgs {
  /** Number of experts E the gate weighs. */
  readonly experts: number;
}

/**
 * The gated sum of MMoE and PLE: inputs `[gate, expert_0, …, expert_{E−1}]`, the gate `[batch, E]` (softmax weights)
 * and each expert `[batch, units]`; output `[batch, units]` = Σ_e gate[:, e] · expert_e. Written as a sum of scaled
 * experts rather than stack + batched matMul because that measured faster on wasm (ENVIRONMENT.md). No weights; saved
 * with the serving graph, so it is registered.
 */
export class MixtureOfExperts extends tf.layers.Layer {
  static readonly className = 'TandemMixtureOfExperts';
  readonly experts: number;

  constructor({ experts, ...args }: MixtureOfExpertsArgs) {
    super(args);
    if (!Number.isInteger(experts) || experts < 1) throw new TandemError(`layer ${this.name}: experts must be a positive integer`, { value: experts });
    this.experts = experts;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [gate, experts] = this.split(inputs);
      if (experts.length === 1) return (experts[0] as tf.Tensor).mul(gate);
      const weights = tf.split(gate, experts.length, 1);
      return tf.addN(experts.map((expert, e) => expert.mul(weights[e] as tf.Tensor)));
    });
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    if (!Array.isArray(inputShape[0]) || inputShape.length !== this.experts + 1) throw new TandemError(`layer ${this.name} takes a gate and ${this.experts} experts`, { value: inputShape });
    const [gate, ...experts] = inputShape as LayerShape[];
    if (gate?.[1] !== this.experts) throw new TandemError(`layer ${this.name}: the gate needs ${this.experts} units`, { value: gate });
    const width = experts[0]?.[1];
    if (experts.some((shape) => shape[1] !== width)) throw new TandemError(`layer ${this.name}: experts differ in width`, { value: experts });
    return experts[0] as LayerShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), experts: this.experts };
  }

  /** `[gate, experts]` of the layer's inputs. */
  private split(inputs: tf.Tensor | tf.Tensor[]): [tf.Tensor, tf.Tensor[]] {
    if (!Array.isArray(inputs) || inputs.length !== this.experts + 1) {
      throw new TandemError(`layer ${this.name} takes a gate and ${this.experts} experts`, { value: Array.isArray(inputs) ? inputs.length : 1 });
    }
    const [gate, ...experts] = inputs;
    return [gate as tf.Tensor, experts];
  }
}
tf.serialization.registerClass(MixtureOfExperts);

/**
 * A softmax gate `${prefix}_gate` on `gateInput` `[batch, width]` weighing `experts` (each `[batch, units]`) through a
 * `${prefix}_mixture` layer; returns `[batch, units]`. The gating step of MMoE and PLE.
 */
export function applyExpertGate(context: ArchitectureContext, gateInput: tf.SymbolicTensor, experts: readonly tf.SymbolicTensor[], prefix: string): tf.SymbolicTensor {
  const gate = context.dense(`${prefix}_gate`, experts.length, 'softmax').apply(gateInput) as tf.SymbolicTensor;
  const mixture = context.layer(`${prefix}_mixture`, () => new MixtureOfExperts({ name: `${prefix}_mixture`, experts: experts.length }));
  return mixture.apply([gate, ...experts]) as tf.SymbolicTensor;
}
