import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../config/load-config.ts';
import { resolveSearchSettings, withClosingOverrides } from './search-settings.ts';

const configWith = (search: Record<string, unknown>) =>
  parseConfig({ data: { path: 'x.csv' }, tasks: [{ name: 'churn', type: 'binary', label: { column: 'churn' } }], search }, 'test');

describe('search settings: the closing', () => {
  it('flags over the config: ensembleTopK and ensembleFolds stored only when on (above 1)', () => {
    const settings = (search: Record<string, unknown>, overrides: Record<string, number>) => {
      const { ensembleTopK, ensembleFolds } = resolveSearchSettings(configWith(search), overrides, { defaultParallel: 1 });
      return { ensembleTopK, ensembleFolds };
    };
    assert.deepEqual(settings({}, {}), { ensembleTopK: undefined, ensembleFolds: undefined });
    assert.deepEqual(settings({}, { ensembleTopK: 8, ensembleFolds: 5 }), { ensembleTopK: 8, ensembleFolds: 5 });
    assert.deepEqual(settings({ ensembleTopK: 8, ensembleFolds: 5 }, { ensembleFolds: 1 }), { ensembleTopK: 8, ensembleFolds: undefined });
    // The config's folds without an ensemble stay silently off, as before; asked for on the command line, they are refused.
    assert.deepEqual(settings({ ensembleFolds: 5 }, {}), { ensembleTopK: undefined, ensembleFolds: undefined });
    assert.throws(() => settings({}, { ensembleFolds: 5 }), { name: 'BadInputError', message: /--ensemble-folds 5 needs an ensemble/ });
    assert.throws(() => settings({}, { ensembleTopK: 17 }), { name: 'BadInputError', message: /--ensemble-top-k \(search\.ensembleTopK\): expected an integer from 1 to 16, got 17/ });
  });

  it('a stored run takes new closing settings and keeps the rest', () => {
    const stored = resolveSearchSettings(configWith({ trials: 7, ensembleTopK: 4 }), {}, { defaultParallel: 2 });
    const closed = withClosingOverrides(stored, { ensembleFolds: 5 });
    assert.deepEqual(closed, { ...stored, ensembleTopK: 4, ensembleFolds: 5 });
    const { ensembleTopK: _, ...off } = stored;
    assert.deepEqual(withClosingOverrides(closed, { ensembleTopK: 1 }), off, 'an ensemble of 1 is off, and its folds with it');
  });
});
