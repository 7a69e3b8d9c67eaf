import { BadInputError } from '../../errors/bad-input-error.ts';

const dayMs = 86_400_000;

/**
 * The days a synthetic shop is open, with how busy each one is. Day `d` is `start + d` days (UTC); every event of
 * the shop falls on a day in `[0, days)`, so nothing happens before `start` or after `end`.
 */
export interface ShopCalendar {
  /** Number of days from `start` to `end`, both included. */
  readonly days: number;
  /** `YYYY-MM-DD` of each day. */
  readonly dates: readonly string[];
  /** Browsing multiplier per day (weekday × season × promotion); mean about 1. */
  readonly sessionFactor: Float64Array;
  /** Direct-order multiplier per day (weekday × season × promotion); mean about 1. */
  readonly orderFactor: Float64Array;
  /** 1 on the days of a promotion (a sale week), else 0. */
  readonly promo: Uint8Array;
  /** Largest `sessionFactor`, the envelope for thinning. */
  readonly maxSessionFactor: number;
  /** Largest `orderFactor`, the envelope for thinning. */
  readonly maxOrderFactor: number;
}

/** Monday-first browsing and ordering by weekday: weekends are busier, Sunday evenings sell most. */
const weekdaySessions = [0.92, 0.9, 0.93, 0.95, 1.0, 1.18, 1.22];
const weekdayOrders = [0.95, 0.9, 0.92, 0.94, 0.98, 1.08, 1.25];
/** By month, January first: a quiet start of the year, a slight summer dip and the November/December peak. */
const monthFactor = [0.85, 0.86, 0.95, 0.97, 1.0, 0.95, 0.9, 0.93, 1.0, 1.05, 1.3, 1.45];
/** After the 23rd of December the gift rush is over. */
const afterChristmasFactor = 0.9 / 1.45;
/** How much more browsing and ordering a sale brings. */
const promoSessionBoost = 1.3;
const promoOrderBoost = 1.7;

/**
 * Builds the calendar for `start`..`end` (ISO dates, both included).
 * @throws BadInputError when a date is not a real `YYYY-MM-DD` day or `end` is before `start`.
 */
export function createShopCalendar(start: string, end: string): ShopCalendar {
  const startMs = parseIsoDay(start, 'start');
  const endMs = parseIsoDay(end, 'end');
  if (endMs < startMs) {
    const issue = `end (${end}) is before start (${start})`;
    throw new BadInputError(issue, { value: end, details: [{ path: 'end', issue }] });
  }
  const days = Math.round((endMs - startMs) / dayMs) + 1;
  const dates: string[] = [];
  const sessionFactor = new Float64Array(days);
  const orderFactor = new Float64Array(days);
  const promo = new Uint8Array(days);
  let maxSessionFactor = 0;
  let maxOrderFactor = 0;
  for (let d = 0; d < days; d++) {
    const date = new Date(startMs + d * dayMs);
    dates.push(date.toISOString().slice(0, 10));
    const weekday = (date.getUTCDay() + 6) % 7;
    const month = date.getUTCMonth();
    const season = month === 11 && date.getUTCDate() > 23 ? (monthFactor[11] as number) * afterChristmasFactor : (monthFactor[month] as number);
    const sale = isPromoDay(date);
    promo[d] = sale ? 1 : 0;
    sessionFactor[d] = (weekdaySessions[weekday] as number) * season * (sale ? promoSessionBoost : 1);
    orderFactor[d] = (weekdayOrders[weekday] as number) * season * (sale ? promoOrderBoost : 1);
    maxSessionFactor = Math.max(maxSessionFactor, sessionFactor[d] as number);
    maxOrderFactor = Math.max(maxOrderFactor, orderFactor[d] as number);
  }
  return { days, dates, sessionFactor, orderFactor, promo, maxSessionFactor, maxOrderFactor };
}

/**
 * The shop's sales, every year: a spring sale (the Monday-to-Sunday week holding 15 March), a summer sale (the week
 * holding 10 July), Black Week (the Monday before Black Friday, the day after the fourth Thursday of November, through Cyber Monday) and
 * the after-Christmas sale (26–31 December).
 */
export function isPromoDay(date: Date): boolean {
  const year = date.getUTCFullYear();
  const t = date.getTime();
  const within = (from: number, days: number): boolean => t >= from && t < from + days * dayMs;
  const weekHolding = (month: number, day: number): number => {
    const anchor = Date.UTC(year, month, day);
    return anchor - ((new Date(anchor).getUTCDay() + 6) % 7) * dayMs;
  };
  const firstOfNovember = Date.UTC(year, 10, 1);
  const firstThursday = firstOfNovember + ((4 - new Date(firstOfNovember).getUTCDay() + 7) % 7) * dayMs;
  const blackFriday = firstThursday + 22 * dayMs;
  return within(weekHolding(2, 15), 7) || within(weekHolding(6, 10), 7) || within(blackFriday - 4 * dayMs, 8) || within(Date.UTC(year, 11, 26), 6);
}

/** Whether `value` is a real calendar day written `YYYY-MM-DD`. */
export function isIsoDay(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (match === null) return false;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
}

/** Milliseconds since the epoch of an ISO `YYYY-MM-DD` day at 00:00 UTC; BadInputError naming `what` otherwise. */
function parseIsoDay(value: string, what: string): number {
  if (typeof value !== 'string' || !isIsoDay(value)) {
    const issue = `${what} must be a date YYYY-MM-DD, got "${String(value)}"`;
    throw new BadInputError(issue, { value, details: [{ path: what, issue }] });
  }
  return Date.parse(`${value}T00:00:00Z`);
}
