import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Preprocessor } from '../features/preprocessor.ts';
import { checkFeatureColumns } from './missing-feature-columns.ts';
import { catchBadInput } from '../../test/helpers/catch-bad-input.ts';

/** A preprocessor that reads numeric columns `f1` … `f<count>`. */
function preprocessorOf(count: number): Preprocessor {
  const columns = Array.from({ length: count }, (_, i) => ({ name: `f${i + 1}`, kind: 'numeric' as const, log1p: false, median: 0, mean: 0, std: 1, missingIndicator: false }));
  return { version: 1, columns, inputNames: columns.map((column) => column.name) };
}

void describe('checkFeatureColumns', () => {
  void it('passes an input with every feature column, extra columns included', () => {
    assert.deepEqual(checkFeatureColumns(preprocessorOf(2), 'in.csv', ['id', 'f2', 'f1', 'label']), { missing: [], modelColumns: 2 });
  });

  void it('names the first missing columns and a count when there are many, with every one in the error value', () => {
    const error = catchBadInput(() => checkFeatureColumns(preprocessorOf(79), 'telco.csv', ['customerID', 'gender']));
    assert.match(error.message, /^telco\.csv: none of the model's 79 feature columns is present \(it reads "f1", "f2", .*"f10" and 69 more\)/);
    assert.equal((error.value as string[]).length, 79);
    const some = catchBadInput(() => checkFeatureColumns(preprocessorOf(79), 'part.csv', Array.from({ length: 77 }, (_, i) => `f${i + 3}`)));
    assert.match(some.message, /^part\.csv: 2 of the model's 79 feature columns are missing: "f1", "f2"; --allow-missing-features scores anyway/);
  });

  void it('with allowMissing returns the missing columns and a warning with the count instead of throwing', () => {
    const check = checkFeatureColumns(preprocessorOf(3), 'in.csv', ['f2'], { allowMissing: true });
    assert.deepEqual(check.missing, ['f1', 'f3']);
    assert.equal(check.warning, `warning: in.csv: 2 of the model's 3 feature columns are missing ("f1", "f3"); they are imputed in every row`);
  });
});
