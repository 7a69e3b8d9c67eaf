import path from 'node:path';
import { parseConfig } from '../../config/load-config.ts';
import type { EventsConfig } from '../../config/schema.ts';

/** The cutoff of the demo: the generated shop's history ends 2024-12-31, so 60 days of future remain for labels. */
export const demoCutoff = '2024-11-01';

/** The events config of a generated shop in `shopDir` (`tandem generate` output): built-in tasks, demo cutoff. */
export function demoShopConfig(shopDir: string): EventsConfig {
  return parseConfig(
    {
      name: 'demo',
      data: {
        kind: 'events',
        customers: path.join(shopDir, 'customers.csv'),
        sessions: path.join(shopDir, 'sessions.csv'),
        orders: path.join(shopDir, 'orders.csv'),
        cutoff: demoCutoff,
      },
    },
    'demo config',
  ) as EventsConfig;
}
