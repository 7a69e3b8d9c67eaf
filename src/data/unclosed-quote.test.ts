import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadInputError } from '../errors/bad-input-error.ts';
import { parseCsv } from './read-csv.ts';
import { findUnclosedQuote } from './unclosed-quote.ts';

/** A 200-line CSV (header + 199 rows) whose row on line `openLine` opens a quote in the `plan` column that nothing closes. */
function telcoWithOpenQuote(openLine: number, eol = '\n'): string {
  const lines = ['customerID,plan,Churn'];
  // Quoted cells (with escaped quotes) before it, plain ones after: nothing closes the quote until the end.
  for (let line = 2; line <= 200; line++) {
    const churn = line % 3 === 0 ? 'Yes' : 'No';
    lines.push(line === openLine ? `c${line},"Fiber, no close,No` : line < openLine ? `c${line},"DSL, ""basic""",${churn}` : `c${line},DSL,${churn}`);
  }
  return `${lines.join(eol)}${eol}`;
}

void describe('a CSV quote that is never closed', () => {
  void it('is reported at the line and column where it opened, not at the end of the file', () => {
    assert.throws(
      () => parseCsv(telcoWithOpenQuote(50), 'telco.csv'),
      (error: unknown) => {
        assert.ok(error instanceof BadInputError);
        assert.match(error.message, /^telco\.csv:50: a quoted field opened here is never closed \(field 2, column "plan"; the file ends at line 200\)$/);
        assert.deepEqual(error.details.map((d) => d.path), ['telco.csv:50:plan']);
        return true;
      },
    );
  });

  void it('counts CRLF and multi-line quoted cells and blank lines as a text editor does', () => {
    assert.deepEqual(findUnclosedQuote(telcoWithOpenQuote(50, '\r\n')), { line: 50, field: 2, column: 'plan' });
    assert.deepEqual(findUnclosedQuote('a,b\n\n1,"two\nlines"\n2,3\n\n3,"open\n4,5\n'), { line: 7, field: 2, column: 'b' });
    assert.deepEqual(findUnclosedQuote('"a,b\n1,2\n'), { line: 1, field: 1 });
    assert.equal(findUnclosedQuote('a,b\n1,"closed ""here"""\n'), undefined);
  });
});
