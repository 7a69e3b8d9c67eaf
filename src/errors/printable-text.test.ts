import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { printableText, quoteValue } from './printable-text.ts';

void describe('printableText', () => {
  void it('escapes control characters and bidi overrides, keeps newlines, tabs and accents', () => {
    assert.equal(printableText('a\u0000b\u001b[31mc\u007f\u202ed\n\tZoë'), 'a\\x00b\\x1b[31mc\\x7f\\u202ed\n\tZoë');
  });

  void it('cuts a line that runs on, saying how much was left out', () => {
    assert.equal(printableText(`${'x'.repeat(10)}\nok`, 4), 'xxxx… (6 more characters)\nok');
  });
});

void describe('quoteValue', () => {
  void it('quotes a cell with its quotes, newlines and control characters escaped, cut with its length', () => {
    assert.equal(quoteValue('say "hi"\n\u0007'), '"say \\"hi\\"\\n\\x07"');
    assert.equal(quoteValue('abcdefgh', 3), '"abc…" (8 characters)');
    assert.equal(quoteValue(42), '42');
  });
});
