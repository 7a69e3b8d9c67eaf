import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderChart, type ChartSpec } from './chart-frame.ts';

const spec: ChartSpec = {
  name: 'demo',
  title: 'Score <by> epoch',
  description: 'A "test" chart',
  x: { label: 'epoch', domain: [1, 5], ticks: [1, 2, 3, 4, 5].map((value) => ({ value, label: String(value) })) },
  y: { label: 'score', domain: [0, 1] },
  marks: (plot) => `<circle cx="${plot.x(3)}" cy="${plot.y(0.5)}" r="3"/>`,
};

describe('renderChart', () => {
  it('is one svg with data-chart, an accessible name, a title and a description, all escaped', () => {
    const svg = renderChart(spec);
    assert.match(svg, /^<svg class="chart" data-chart="demo" /);
    assert.match(svg, /role="img" aria-label="Score &#60;by&#62; epoch\. A &#34;test&#34; chart"/);
    assert.match(svg, /<title>Score &#60;by&#62; epoch<\/title><desc>A &#34;test&#34; chart<\/desc>/);
    assert.ok(svg.endsWith('</svg>'));
    assert.doesNotMatch(svg, /<by>/);
  });

  it('draws both axes with their ticks, tick labels and titles, and hands the plot scales to the marks', () => {
    const svg = renderChart(spec);
    for (const label of ['1', '2', '3', '4', '5', '0.0', '0.2', '0.4', '0.6', '0.8', '1.0']) assert.match(svg, new RegExp(`>${label.replace('.', '\\.')}</text>`));
    assert.match(svg, />epoch<\/text>/);
    assert.match(svg, />score<\/text>/);
    // Plot area: x from 64 to 560 − 18, y from 34 + 280 up to 34; the middle of both domains.
    assert.match(svg, /<circle cx="303" cy="174" r="3"\/>/);
  });

  it('leaves out given ticks outside the domain and grows with a wrapping legend', () => {
    const narrow = renderChart({ ...spec, x: { ...spec.x, domain: [2, 4] } });
    assert.doesNotMatch(narrow, />5<\/text>/);
    const height = (svg: string): number => Number(/height="([\d.]+)"/.exec(svg)?.[1]);
    const one = renderChart({ ...spec, legend: [{ label: 'a', color: '#000' }] });
    const many = renderChart({ ...spec, legend: Array.from({ length: 12 }, (_, i) => ({ label: `trial t00${i} (winner)`, color: '#123456', mark: 'dot' as const })) });
    assert.ok(height(many) > height(one) && height(one) > height(renderChart(spec)));
    assert.equal((many.match(/class="legend-item"/g) ?? []).length, 12);
  });
});
