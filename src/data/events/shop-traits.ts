/** Rates of the average customer (per active day) and the shape of lifetimes; tuned for SPEC §3's label rates. */
const sessionsPerDay = 0.11;
const conversionPerSession = 0.09;
const directOrdersPerDay = 0.005;
/** No session converts more surely than this, however keen the customer. */
const maxConversion = 0.5;
/** Mean days from (re)activation to silent dropout for an average-risk customer. */
const meanLifetimeDays = 330;
/** Browsing that customers who have left still do (window shopping, no orders), relative to when active. */
export const residualBrowsing = 0.012;

/** The standard-normal draws a customer's rate traits are made from (see {@link traitsFromNormals}). */
export interface ShopTraitNormals {
  readonly engagement: number;
  readonly browsing: number;
  readonly risk: number;
  readonly promo: number;
}

/** What the profile adds to the traits: the channel's and age band's dropout risk, and the newsletter. */
export interface ShopTraitProfile {
  readonly riskOffset: number;
  readonly newsletter: boolean;
}

/** A customer's latent traits and the rates of the generator's processes they give. */
export interface ShopTraits {
  /** Latent scores (standard normal for the average customer). */
  readonly engagement: number;
  readonly browsing: number;
  readonly risk: number;
  /** Multiplies the sale's lift of conversions and direct orders. */
  readonly promoSensitivity: number;
  /** Sessions per active day, before the calendar's factors. */
  readonly sessionRate: number;
  /** Orders without a session per active day, before the calendar's factors. */
  readonly directRate: number;
  /** A session's base chance of converting, before what the customer has viewed and bought and the sale. */
  readonly conversion: number;
  /** Mean of the exponential lifetime of the first active spell. */
  readonly lifetimeMean: number;
}

/**
 * Traits from their standard-normal draws and the profile, correlated the way shoppers are: the generator's prior, in
 * one place. The newsletter is drawn after engagement and risk, from {@link newsletterChance}.
 */
export function traitsFromNormals(normals: ShopTraitNormals, { riskOffset, newsletter }: ShopTraitProfile): ShopTraits {
  const engagement = normals.engagement;
  const browsing = 0.6 * engagement + 0.8 * normals.browsing;
  const risk = -0.4 * engagement + 0.9 * normals.risk + riskOffset;
  return {
    engagement,
    browsing,
    risk,
    promoSensitivity: Math.exp(0.4 * normals.promo) * (newsletter ? 1.3 : 1),
    // Capped so that the keenest few look like avid shoppers rather than bots.
    sessionRate: Math.min(0.5, sessionsPerDay * Math.exp(0.7 * browsing - 0.245)),
    directRate: Math.min(0.05, directOrdersPerDay * Math.exp(0.8 * engagement - 0.32)),
    conversion: conversionPerSession * Math.exp(0.5 * engagement - 0.125),
    lifetimeMean: meanLifetimeDays * Math.exp(-0.8 * risk),
  };
}

/** The chance that a customer with these engagement and risk scores subscribes to the newsletter. */
export function newsletterChance(engagement: number, risk: number): number {
  return 1 / (1 + Math.exp(-(-0.4 + 0.5 * engagement - 0.3 * risk)));
}

/** Mean pages of a session beyond the first, before a conversion's extra pages. */
export function pagesMean(browsing: number): number {
  return 1.8 * Math.exp(0.3 * browsing);
}

/** Mean items of an order beyond the first. */
export function itemsMean(engagement: number): number {
  return 0.45 * Math.exp(0.3 * engagement);
}

/** A session's chance of converting: the base rate, what the customer has viewed and bought of its category (`interest`), the sale. */
export function conversionChance({ conversion, promoSensitivity }: Pick<ShopTraits, 'conversion' | 'promoSensitivity'>, interest: number, sale: boolean): number {
  return Math.min(maxConversion, conversion * interest * (sale ? 1.3 * promoSensitivity : 1));
}
