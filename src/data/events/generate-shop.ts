import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { BadInputError } from '../../errors/bad-input-error.ts';
import { createSeededRandom } from '../../random/seeded-random.ts';
import { createShopCalendar, isIsoDay } from './shop-calendar.ts';
import { formatShopTimestamp, shopFuturesKnowledge, simulateShopCustomer, type ShopFuturesKnowledge, type ShopFuturesOptions, type SimulatedShopCustomer } from './shop-customer-simulation.ts';
import { ShopCsvWriter } from './shop-csv-writer.ts';
import { shopOptimalScoreColumns, shopOptimalScores, type ShopLabelWindows } from './shop-optimal-scores.ts';

/** Columns of `customers.csv`, in file order. */
export const shopCustomerColumns = ['customer_id', 'signup_date', 'age_band', 'region', 'channel', 'device_preference', 'newsletter'] as const;
/** Columns of `sessions.csv`, in file order. */
export const shopSessionColumns = ['customer_id', 'ts', 'pages', 'duration_s', 'device', 'category'] as const;
/** Columns of `orders.csv`, in file order. */
export const shopOrderColumns = ['order_id', 'customer_id', 'ts', 'amount', 'category', 'items', 'promo'] as const;

/** What to generate and where. */
export interface GenerateShopOptions {
  /** Number of customers; a positive integer. */
  readonly customers: number;
  /** Same seed (and other options), byte-identical files. */
  readonly seed: number;
  /** First day of the shop's history (ISO date). @default '2023-01-01' */
  readonly start?: string;
  /** Last day of the history, included; no event lies after it (ISO date). @default '2024-12-31' */
  readonly end?: string;
  /** Folder for the three CSV files; created if missing. */
  readonly out: string;
  /** Called after every tenth or so of the customers (and after the last) with the rows written so far. */
  readonly onProgress?: (progress: GenerateShopProgress) => void;
  /**
   * Also write `optimal-scores.csv`: each customer's Bayes-optimal score per built-in events-mode task at this
   * cutoff (see {@link OptimalScoresOptions}). The three log files are byte-identical with or without it.
   * @default undefined (three files only)
   */
  readonly optimalScores?: OptimalScoresOptions;
}

/** The events-mode label windows the optimal scores are for, and how many futures estimate them. */
export interface OptimalScoresOptions {
  /** T (ISO date, 00:00 UTC), as in the events config's `data.cutoff`. */
  readonly cutoff: string;
  /** H, as `data.horizonDays`. @default 30 */
  readonly horizonDays?: number;
  /** C, as `data.churnDays`. @default 60 */
  readonly churnDays?: number;
  /** Futures simulated per customer; a score's standard error is at most 0.5 / √replicas. @default 200 */
  readonly replicas?: number;
  /**
   * What the scores know beyond the logs before T: `logs` — nothing (each customer's traits, tastes and spells are
   * weighed from the logs: the Bayes-optimal score of a model of the logs); `rates` — the true rate traits;
   * `tastes` — the true tastes too; `spells` — the true spells too (whether active, lapsing or lost at T). Each is a
   * higher ceiling. See `ShopFuturesOptions.knows`.
   * @default 'logs'
   */
  readonly knows?: ShopFuturesKnowledge;
  /**
   * Draws of each customer's posterior (traits, tastes and spells with `knows: 'logs'`; tastes with `rates`) that the
   * futures start from: fewer make the scores noisier, which lowers their AUC a little. @default 200
   */
  readonly draws?: number;
}


/** Progress of {@link generateShop}: customers simulated so far and the rows they produced. */
export interface GenerateShopProgress {
  readonly done: number;
  readonly total: number;
  readonly sessions: number;
  readonly orders: number;
}

/** What {@link generateShop} wrote: the folder (absolute) and the data rows of each file (duplicates included). */
export interface GeneratedShop {
  readonly out: string;
  readonly customers: number;
  readonly sessions: number;
  readonly orders: number;
  /** `optimal-scores.csv` (absolute), when asked for. */
  readonly optimalScores?: string;
}

/**
 * Writes a synthetic shop's raw logs (SPEC §3) to `out`: `customers.csv`, `sessions.csv` and `orders.csv`.
 *
 * Customers are simulated one at a time (see `simulateShopCustomer`) from one seeded stream and their rows are
 * written at once, so memory stays flat however many customers and events there are. Rows are grouped by customer
 * and in time order within a customer, not globally. Realistic defects are included on purpose: about 0.2% of
 * order rows appear twice (same `order_id`) and 1–3% of profile fields are blank. Each file is written as
 * `<name>.tmp` and renamed when all are complete; after a failure the temporary files are removed.
 *
 * With `optimalScores`, `optimal-scores.csv` holds per customer (`customer_id`, then `purchase_intent`, `churn`,
 * `cross_sell`) the probability of each label that events mode builds at that cutoff (SPEC §3; cross_sell: of spend
 * > 0) given the history before T: the customer's traits (rates), tastes and where they stand (active, lapsing or
 * lost), which the logs only hint at, come from their joint posterior given that history (`traitPosterior`; `knows`
 * lets the scores know more), and the future from fresh draws.
 * It is estimated by simulating the customer on from T `replicas` times (`simulateShopCustomer`'s futures). Cells
 * are empty where the customer carries no label: all three for a signup on or after T, churn without an order before
 * T. No model of the logs can beat these scores on average; their AUC on the labels is the ceiling a model is
 * measured against.
 * @throws BadInputError for a non-positive customer count, a non-integer seed, bad start/end dates, or bad
 *   optimal-score options.
 */
export async function generateShop({ customers, seed, start = '2023-01-01', end = '2024-12-31', out, onProgress, optimalScores }: GenerateShopOptions): Promise<GeneratedShop> {
  checkOptions(customers, seed, out);
  const calendar = createShopCalendar(start, end);
  const windows = optimalScores === undefined ? undefined : labelWindows(optimalScores, start);
  // The futures draw from their own stream, so the logs are the same bytes with or without them.
  const futures: ShopFuturesOptions | undefined =
    windows === undefined
      ? undefined
      : {
          cutoffDay: windows.cutoffDay,
          endDay: windows.cutoffDay + Math.max(windows.horizonDays, windows.churnDays),
          replicas: optimalScores?.replicas ?? 200,
          knows: optimalScores?.knows ?? 'logs',
          traitDraws: optimalScores?.draws ?? 200,
          tasteDraws: optimalScores?.draws ?? 200,
          random: createSeededRandom(seed + 0x5eed),
        };
  const folder = path.resolve(out);
  await mkdir(folder, { recursive: true });
  const random = createSeededRandom(seed);
  const idWidth = Math.max(6, String(customers).length);
  const progressEvery = Math.max(1, Math.ceil(customers / 10));
  const customerFile = new ShopCsvWriter(path.join(folder, 'customers.csv'), shopCustomerColumns);
  const sessionFile = new ShopCsvWriter(path.join(folder, 'sessions.csv'), shopSessionColumns);
  const orderFile = new ShopCsvWriter(path.join(folder, 'orders.csv'), shopOrderColumns);
  const scoreFile = windows === undefined ? undefined : new ShopCsvWriter(path.join(folder, 'optimal-scores.csv'), shopOptimalScoreColumns);
  const files = scoreFile === undefined ? [customerFile, sessionFile, orderFile] : [customerFile, sessionFile, orderFile, scoreFile];
  let orderNumber = 0;
  const writeCustomer = ({ profile, sessions, orders, futures: customerFutures }: SimulatedShopCustomer): void => {
    const id = profile.customerId;
    if (scoreFile !== undefined && windows !== undefined) {
      const scores = shopOptimalScores(customerFutures, windows);
      const cell = (p: number | null): string => (p === null ? '' : String(Math.round(p * 10_000) / 10_000));
      scoreFile.add(`${id},${cell(scores.purchase_intent)},${cell(scores.churn)},${cell(scores.cross_sell)}`);
    }
    customerFile.add([id, profile.signupDate, profile.ageBand ?? '', profile.region ?? '', profile.channel, profile.devicePreference ?? '', profile.newsletter ?? ''].join(','));
    for (const s of sessions) sessionFile.add(`${id},${formatShopTimestamp(calendar, s.second)},${s.pages},${s.durationS},${s.device},${s.category}`);
    for (const o of orders) {
      orderNumber++;
      const line = `O${String(orderNumber).padStart(8, '0')},${id},${formatShopTimestamp(calendar, o.second)},${o.amount.toFixed(2)},${o.category},${o.items},${o.promo ? 'yes' : 'no'}`;
      orderFile.add(line);
      if (o.duplicated) orderFile.add(line);
    }
  };
  try {
    for (let i = 0; i < customers; i++) {
      writeCustomer(simulateShopCustomer(random, calendar, `C${String(i + 1).padStart(idWidth, '0')}`, futures));
      for (const file of files) await file.flushIfFull();
      if ((i + 1) % progressEvery === 0 || i + 1 === customers) {
        onProgress?.({ done: i + 1, total: customers, sessions: sessionFile.rows, orders: orderFile.rows });
      }
    }
    // All complete before any is put in place, so a failure leaves no mix of new and missing files.
    for (const file of files) await file.finish();
    for (const file of files) await file.publish();
  } catch (error) {
    await Promise.all(files.map((file) => file.discard()));
    throw error;
  }
  return {
    out: folder,
    customers: customerFile.rows,
    sessions: sessionFile.rows,
    orders: orderFile.rows,
    ...(scoreFile === undefined ? {} : { optimalScores: path.join(folder, 'optimal-scores.csv') }),
  };
}

/** The label windows of `options` as calendar days from `start`. */
function labelWindows({ cutoff, horizonDays = 30, churnDays = 60, replicas = 200, knows = 'logs', draws = 200 }: OptimalScoresOptions, start: string): ShopLabelWindows {
  const fail = (field: string, issue: string, value: unknown): never => {
    throw new BadInputError(`optimalScores.${field}: ${issue}`, { value, details: [{ path: `optimalScores.${field}`, issue }] });
  };
  if (!isIsoDay(cutoff)) fail('cutoff', `expected a date YYYY-MM-DD, got "${cutoff}"`, cutoff);
  if (!Number.isInteger(horizonDays) || horizonDays < 1) fail('horizonDays', `expected a positive integer, got ${String(horizonDays)}`, horizonDays);
  if (!Number.isInteger(churnDays) || churnDays < 1) fail('churnDays', `expected a positive integer, got ${String(churnDays)}`, churnDays);
  if (!Number.isInteger(replicas) || replicas < 1) fail('replicas', `expected a positive integer, got ${String(replicas)}`, replicas);
  if (!Number.isInteger(draws) || draws < 1) fail('draws', `expected a positive integer, got ${String(draws)}`, draws);
  if (!shopFuturesKnowledge.includes(knows)) fail('knows', `expected one of ${shopFuturesKnowledge.join(', ')}, got ${JSON.stringify(knows)}`, knows);
  return { cutoffDay: Math.round((Date.parse(`${cutoff}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / 86_400_000), horizonDays, churnDays };
}

function checkOptions(customers: number, seed: number, out: string): void {
  const fail = (field: string, issue: string, value: unknown): never => {
    throw new BadInputError(`${field}: ${issue}`, { value, details: [{ path: field, issue }] });
  };
  if (!Number.isInteger(customers) || customers < 1) fail('customers', `expected a positive integer, got ${String(customers)}`, customers);
  if (!Number.isInteger(seed)) fail('seed', `expected an integer, got ${String(seed)}`, seed);
  if (typeof out !== 'string' || out.trim() === '') fail('out', 'expected a folder path', out);
}
