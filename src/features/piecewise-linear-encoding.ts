/**
 * Piecewise-linear encoding (Gorishniy, Rubachev, Babenko, NeurIPS 2022, "On Embeddings for Numerical Features in
 * Tabular Deep Learning"): bin edges b₀ < b₁ < … < b_T at training quantiles; a value x becomes T inputs, input t
 * being 1 when x is at or above the bin's upper edge, 0 when below its lower edge, and the fraction
 * (x − b_{t−1}) / (b_t − b_{t−1}) inside it. As in the paper, the first input extends linearly below b₀ and the last
 * above b_T (clipped to ±{@link pleClip}), so values beyond the training range still move the encoding.
 *
 * The scaled value itself is not added: x = b₀ + Σ_t (b_t − b_{t−1}) · e_t exactly, so the first dense layer can
 * already form it, and a duplicate input would only be a redundant, correlated one.
 */

/** Bound on the outer inputs' linear extension, as the standard encoding clips its scaled value. */
export const pleClip = 10;

/**
 * Bin edges of `values` (finite numbers, any order): the quantiles at 0, 1/bins, …, 1, each the nearest training
 * value (no interpolation, so a column with few distinct values gets one bin between neighbouring values and no empty
 * bins between them), duplicates dropped. Fewer than 2 edges (a constant column) means no bin.
 */
export function fitPleEdges(values: Float64Array, bins: number): number[] {
  if (values.length === 0) return [];
  const sorted = Float64Array.from(values).sort();
  const edges: number[] = [];
  for (let i = 0; i <= bins; i++) {
    const edge = sorted[Math.round((i / bins) * (sorted.length - 1))] as number;
    if (edges.length === 0 || edge > (edges.at(-1) as number)) edges.push(edge);
  }
  return edges;
}

/** Writes the `edges.length − 1` inputs of `value` into `out` from `offset`. */
export function writePle(edges: readonly number[], value: number, out: Float32Array, offset: number): void {
  const bins = edges.length - 1;
  for (let t = 0; t < bins; t++) {
    const low = edges[t] as number;
    const high = edges[t + 1] as number;
    let fraction = (value - low) / (high - low);
    // Inner bounds only: the first bin extends below b₀, the last above b_T.
    if (t > 0) fraction = Math.max(fraction, 0);
    if (t < bins - 1) fraction = Math.min(fraction, 1);
    out[offset + t] = Math.max(-pleClip, Math.min(pleClip, fraction));
  }
}
