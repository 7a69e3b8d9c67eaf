import path from 'node:path';
import { generateShop, type GenerateShopProgress, type OptimalScoresOptions } from '../../src/data/events/generate-shop.ts';
import { shopFuturesKnowledge, type ShopFuturesKnowledge } from '../../src/data/events/shop-customer-simulation.ts';
import { isIsoDay } from '../../src/data/events/shop-calendar.ts';
import { BadInputError } from '../../src/errors/bad-input-error.ts';
import { readNumericFlag } from '../numeric-flags.ts';
import type { Command, CommandContext, Flags } from '../command.ts';

const defaults = { customers: 10_000, seed: 42, out: path.join('.tandem', 'shop'), start: '2023-01-01', end: '2024-12-31', horizonDays: 30, churnDays: 60, replicas: 200, knows: 'logs', draws: 200 } as const;

/** `tandem generate`: a synthetic shop's raw logs (customers.csv, sessions.csv, orders.csv; SPEC §1 and §3). */
export const generateCommand: Command = {
  name: 'generate',
  summary: 'write a synthetic shop\'s raw logs: customers.csv, sessions.csv, orders.csv (events mode)',
  help: [
    `Simulates --customers shoppers (default ${defaults.customers}) from --start to --end (default ${defaults.start}..${defaults.end}) and writes`,
    `their profiles, browsing sessions and orders as CSV into --out (default ${defaults.out}). The same --seed gives the same bytes.`,
    'Events span the whole history, so a cutoff such as --end minus 60 days leaves future events for the labels.',
    'With --optimal-scores it also writes optimal-scores.csv: per customer the probability of each events-mode label',
    '(purchase_intent, churn, cross_sell > 0) at --cutoff given the logs before it: each customer\'s rates, tastes and',
    'hidden state (active, lapsing or lost) are weighed from that history, not read from the generator (--knows rates,',
    'tastes or spells reads them instead, for higher ceilings), estimated from --replicas simulated futures; the AUC',
    'of these scores on the labels is the Bayes-optimal ceiling.',
    'Example: tandem generate --customers 20000 --seed 7 --out data/shop',
  ].join('\n'),
  flags: {
    customers: { type: 'string', valueName: 'N', description: `customers to simulate (default ${defaults.customers})` },
    seed: { type: 'string', valueName: 'S', description: `generator seed, an integer (default ${defaults.seed})` },
    out: { type: 'string', valueName: 'DIR', description: `folder for the three CSV files (default ${defaults.out})` },
    start: { type: 'string', valueName: 'DATE', description: `first day of the history, YYYY-MM-DD (default ${defaults.start})` },
    end: { type: 'string', valueName: 'DATE', description: `last day of the history, included (default ${defaults.end})` },
    'optimal-scores': { type: 'boolean', description: 'also write optimal-scores.csv: each customer\'s Bayes-optimal score per events-mode task' },
    cutoff: { type: 'string', valueName: 'DATE', description: 'T of the optimal scores (default: as cutoff "auto": the day after --end minus max(H, C))' },
    'horizon-days': { type: 'string', valueName: 'H', description: `H of the optimal scores, as data.horizonDays (default ${defaults.horizonDays})` },
    'churn-days': { type: 'string', valueName: 'C', description: `C of the optimal scores, as data.churnDays (default ${defaults.churnDays})` },
    replicas: { type: 'string', valueName: 'N', description: `futures simulated per customer for the optimal scores (default ${defaults.replicas})` },
    draws: { type: 'string', valueName: 'N', description: `posterior draws per customer the futures start from (default ${defaults.draws})` },
    knows: { type: 'string', valueName: 'WHAT', description: `what the optimal scores know beyond the logs: ${shopFuturesKnowledge.join(', ')} (default ${defaults.knows})` },
  },
  async run(context) {
    const { flags } = context;
    const customers = readNumericFlag(flags, 'customers', { min: 1 }) ?? defaults.customers;
    const seed = readNumericFlag(flags, 'seed') ?? defaults.seed;
    const out = stringFlag(flags, 'out', defaults.out);
    const start = dateFlag(flags, 'start', defaults.start);
    const end = dateFlag(flags, 'end', defaults.end);
    if (end < start) throw new BadInputError(`--end: ${end} is before --start ${start}`, { value: end, details: [{ path: '--end', issue: `before --start ${start}` }] });

    const optimalScores = flags['optimal-scores'] === true ? optimalScoreOptions(flags, end) : undefined;

    const started = performance.now();
    context.log(`generating a shop of ${customers} customers (seed ${seed}, ${start}..${end}) → ${path.resolve(out)}`);
    const reporter = progressReporter(context);
    const shop = await generateShop({ customers, seed, start, end, out, onProgress: reporter.update, ...(optimalScores === undefined ? {} : { optimalScores }) }).finally(
      reporter.done,
    );
    const seconds = (performance.now() - started) / 1000;
    return {
      json: {
        out: shop.out,
        customers: shop.customers,
        sessions: shop.sessions,
        orders: shop.orders,
        ...(optimalScores === undefined ? {} : { optimalScores: { file: shop.optimalScores, ...optimalScores } }),
      },
      text:
        `wrote ${shop.customers} customers, ${shop.sessions} sessions and ${shop.orders} orders to ${shop.out} in ${seconds.toFixed(1)}s` +
        (optimalScores === undefined ? '' : `, with optimal scores at cutoff ${optimalScores.cutoff}`),
    };
  },
};

/** Progress on stderr: a rewritten line on a terminal, a plain line per tenth of the customers otherwise. */
function progressReporter({ log, interactive, writeProgress }: Pick<CommandContext, 'log' | 'interactive' | 'writeProgress'>): {
  update: (progress: GenerateShopProgress) => void;
  done: () => void;
} {
  let drawn = false;
  return {
    update: ({ done, total, sessions, orders }) => {
      const text = `${done}/${total} customers (${Math.round((100 * done) / total)}%), ${sessions} sessions, ${orders} orders`;
      if (interactive) {
        writeProgress(`\rgenerate ${text}\x1b[K`);
        drawn = true;
      } else {
        log(`generate ${text}`);
      }
    },
    done: () => {
      if (drawn) writeProgress('\n');
    },
  };
}

/** The optimal scores' windows from the flags; the cutoff defaults to what cutoff "auto" gives a shop ending on `end`. */
function optimalScoreOptions(flags: Flags, end: string): Required<OptimalScoresOptions> {
  const horizonDays = readNumericFlag(flags, 'horizon-days', { min: 1 }) ?? defaults.horizonDays;
  const churnDays = readNumericFlag(flags, 'churn-days', { min: 1 }) ?? defaults.churnDays;
  const replicas = readNumericFlag(flags, 'replicas', { min: 1 }) ?? defaults.replicas;
  const draws = readNumericFlag(flags, 'draws', { min: 1 }) ?? defaults.draws;
  const autoCutoff = new Date(Date.parse(`${end}T00:00:00Z`) + (1 - Math.max(horizonDays, churnDays)) * 86_400_000).toISOString().slice(0, 10);
  const cutoff = flags.cutoff === undefined ? autoCutoff : dateFlag(flags, 'cutoff', autoCutoff);
  const knows = stringFlag(flags, 'knows', defaults.knows);
  if (!(shopFuturesKnowledge as readonly string[]).includes(knows)) {
    const issue = `expected one of ${shopFuturesKnowledge.join(', ')}, got "${knows}"`;
    throw new BadInputError(`--knows: ${issue}`, { value: knows, details: [{ path: '--knows', issue }] });
  }
  return { cutoff, horizonDays, churnDays, replicas, knows: knows as ShopFuturesKnowledge, draws };
}

function stringFlag(flags: Flags, name: string, fallback: string): string {
  const value = flags[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new BadInputError(`--${name}: expected a value`, { value, details: [{ path: `--${name}`, issue: 'expected a value' }] });
  }
  return value;
}

function dateFlag(flags: Flags, name: string, fallback: string): string {
  const value = stringFlag(flags, name, fallback);
  if (!isIsoDay(value)) {
    const issue = `expected a date YYYY-MM-DD, got "${value}"`;
    throw new BadInputError(`--${name}: ${issue}`, { value, details: [{ path: `--${name}`, issue }] });
  }
  return value;
}
