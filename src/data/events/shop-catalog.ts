/** The synthetic shop's product categories, in a fixed order (indexes are used throughout the simulation). */
export const shopCategories = ['fashion', 'shoes', 'beauty', 'sports', 'outdoor', 'electronics', 'books', 'toys', 'home', 'grocery'] as const;

/** A category name of the synthetic shop. */
export type ShopCategory = (typeof shopCategories)[number];

/** Share of shoppers drawn to each category before their own taste is applied. */
export const categoryPopularity: readonly number[] = [0.18, 0.1, 0.1, 0.08, 0.06, 0.12, 0.09, 0.07, 0.12, 0.08];

/** Typical price of one item per category (currency units). */
export const categoryPrice: readonly number[] = [45, 70, 25, 50, 85, 160, 18, 30, 60, 35];

/** Pairs of related categories and how strongly interest in one spills over to the other. */
const relatedPairs: readonly (readonly [ShopCategory, ShopCategory, number])[] = [
  ['fashion', 'shoes', 1],
  ['fashion', 'beauty', 0.7],
  ['shoes', 'sports', 0.6],
  ['sports', 'outdoor', 1],
  ['outdoor', 'home', 0.3],
  ['electronics', 'books', 0.4],
  ['electronics', 'toys', 0.5],
  ['books', 'toys', 0.7],
  ['home', 'grocery', 0.8],
  ['beauty', 'grocery', 0.3],
  ['home', 'electronics', 0.4],
];

/** Symmetric relatedness matrix `[category][category]` built from {@link relatedPairs}; the diagonal is 0. */
export const categoryRelations: readonly (readonly number[])[] = (() => {
  const matrix = shopCategories.map(() => shopCategories.map(() => 0));
  for (const [a, b, weight] of relatedPairs) {
    const i = shopCategories.indexOf(a);
    const j = shopCategories.indexOf(b);
    (matrix[i] as number[])[j] = weight;
    (matrix[j] as number[])[i] = weight;
  }
  return matrix;
})();

/** Profile values and how common they are. */
export const ageBands = ['18-24', '25-34', '35-44', '45-54', '55-64', '65+'] as const;
export const ageWeights: readonly number[] = [0.14, 0.27, 0.23, 0.17, 0.12, 0.07];
/** Price level shift by age band: the middle-aged spend more per order. */
export const agePrice: readonly number[] = [-0.45, -0.1, 0.2, 0.3, 0.2, 0.0];
export const regions = ['north', 'south', 'east', 'west', 'central'] as const;
export const regionWeights: readonly number[] = [0.24, 0.22, 0.18, 0.2, 0.16];
/** Price level shift by region. */
export const regionPrice: readonly number[] = [0.0, -0.08, 0.05, 0.12, -0.03];
export const channels = ['organic', 'paid_search', 'social', 'referral', 'email', 'affiliate'] as const;
export const channelWeights: readonly number[] = [0.32, 0.22, 0.18, 0.1, 0.1, 0.08];
/** Added to the latent dropout risk: customers bought with ads leave sooner, referred ones stay. */
export const channelRisk: readonly number[] = [0, 0.25, 0.45, -0.35, -0.2, 0.3];
export const devices = ['mobile', 'desktop', 'tablet'] as const;
/** Device preference weights per age band (younger shoppers are on their phones). */
export const deviceWeightsByAge: readonly (readonly number[])[] = [
  [0.8, 0.15, 0.05],
  [0.7, 0.23, 0.07],
  [0.58, 0.32, 0.1],
  [0.48, 0.38, 0.14],
  [0.4, 0.42, 0.18],
  [0.3, 0.48, 0.22],
];

/** Relative traffic by hour of day (UTC): quiet nights, a lunch bump and an evening peak. */
export const hourWeights: readonly number[] = [
  0.25, 0.15, 0.1, 0.08, 0.08, 0.12, 0.3, 0.55, 0.8, 0.9, 1.0, 1.05, 1.2, 1.15, 1.0, 0.95, 1.0, 1.1, 1.3, 1.55, 1.7, 1.6, 1.2, 0.6,
];
