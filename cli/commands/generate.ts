import path from 'node:path';
import { generateShop, type GenerateShopProgress } from '../../src/data/events/generate-shop.ts';
import { isIsoDay } from '../../src/data/events/shop-calendar.ts';
import { BadInputError } from '../../src/errors/bad-input-error.ts';
import { readNumericFlag } from '../numeric-flags.ts';
import type { Command, CommandContext, Flags } from '../command.ts';

const defaults = { customers: 10_000, seed: 42, out: path.join('.tandem', 'shop'), start: '2023-01-01', end: '2024-12-31' } as const;

/** `tandem generate`: a synthetic shop's raw logs (customers.csv, sessions.csv, orders.csv; SPEC §1 and §3). */
export const generateCommand: Command = {
  name: 'generate',
  summary: 'write a synthetic shop\'s raw logs: customers.csv, sessions.csv, orders.csv (events mode)',
  help: [
    `Simulates --customers shoppers (default ${defaults.customers}) from --start to --end (default ${defaults.start}..${defaults.end}) and writes`,
    `their profiles, browsing sessions and orders as CSV into --out (default ${defaults.out}). The same --seed gives the same bytes.`,
    'Events span the whole history, so a cutoff such as --end minus 60 days leaves future events for the labels.',
    'Example: tandem generate --customers 20000 --seed 7 --out data/shop',
  ].join('\n'),
  flags: {
    customers: { type: 'string', valueName: 'N', description: `customers to simulate (default ${defaults.customers})` },
    seed: { type: 'string', valueName: 'S', description: `generator seed, an integer (default ${defaults.seed})` },
    out: { type: 'string', valueName: 'DIR', description: `folder for the three CSV files (default ${defaults.out})` },
    start: { type: 'string', valueName: 'DATE', description: `first day of the history, YYYY-MM-DD (default ${defaults.start})` },
    end: { type: 'string', valueName: 'DATE', description: `last day of the history, included (default ${defaults.end})` },
  },
  async run(context) {
    const { flags } = context;
    const customers = readNumericFlag(flags, 'customers', { min: 1 }) ?? defaults.customers;
    const seed = readNumericFlag(flags, 'seed') ?? defaults.seed;
    const out = stringFlag(flags, 'out', defaults.out);
    const start = dateFlag(flags, 'start', defaults.start);
    const end = dateFlag(flags, 'end', defaults.end);
    if (end < start) throw new BadInputError(`--end: ${end} is before --start ${start}`, { value: end, details: [{ path: '--end', issue: `before --start ${start}` }] });

    const started = performance.now();
    context.log(`generating a shop of ${customers} customers (seed ${seed}, ${start}..${end}) → ${path.resolve(out)}`);
    const reporter = progressReporter(context);
    const shop = await generateShop({ customers, seed, start, end, out, onProgress: reporter.update }).finally(reporter.done);
    const seconds = (performance.now() - started) / 1000;
    return {
      json: { out: shop.out, customers: shop.customers, sessions: shop.sessions, orders: shop.orders },
      text: `wrote ${shop.customers} customers, ${shop.sessions} sessions and ${shop.orders} orders to ${shop.out} in ${seconds.toFixed(1)}s`,
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
