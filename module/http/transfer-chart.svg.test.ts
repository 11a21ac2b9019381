import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { escapeXml, transferChartSvg, valueScale, type TransferChartDay } from './transfer-chart.svg.ts';

const SERIES = { requested: 'Requested', completed: 'Completed', cancelled: 'Cancelled or failed' };
const OUTCOMES = ['requested', 'completed', 'cancelled'] as const;

function day(tick: string, counts: Partial<TransferChartDay['counts']> = {}): TransferChartDay {
  const full = { requested: 0, completed: 0, cancelled: 0, ...counts };
  return { tick, counts: full, titles: { requested: `${tick}: ${full.requested} requested`, completed: `${tick}: ${full.completed} completed`, cancelled: `${tick}: ${full.cancelled} cancelled` } };
}

const chart = (days: TransferChartDay[], overrides: Partial<Parameters<typeof transferChartSvg>[0]> = {}) =>
  transferChartSvg({ label: 'Transfers per day', series: SERIES, days, idPrefix: 'chart', ...overrides });

/** The bars, as `outcome`, `height` and the pattern they are filled with. */
function bars(svg: string) {
  return [...svg.matchAll(/<rect class="bar bar-(\w+)"[^>]* height="([\d.]+)" fill="url\(#([\w-]+)\)"[^>]*><title>([^<]*)<\/title><\/rect>/g)].map((m) => ({
    outcome: m[1],
    height: Number(m[2]),
    pattern: m[3],
    title: m[4],
  }));
}

describe('transferChartSvg', () => {
  it('is one well-formed SVG image with a name for assistive technology', () => {
    const svg = chart([day('May 31', { requested: 2 }), day('Jun 1', { completed: 1, cancelled: 3 })]);
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" [^>]*role="img" aria-label="Transfers per day">/);
    expect(svg.endsWith('</svg>')).toBe(true);
    // Nothing that runs, loads, or needs an inline style (the pages' CSP allows none).
    expect(svg).not.toMatch(/<script|<foreignObject|\son\w+=|\sstyle=|href=/i);
  });

  it('escapes every text it writes: the name, the legend, the day names and the tooltips', () => {
    const hostile = `<script>alert(1)</script>"'&`;
    const each = { requested: hostile, completed: hostile, cancelled: hostile };
    const svg = transferChartSvg({ label: hostile, series: each, idPrefix: `x" onload="alert(1)`, days: [{ tick: hostile, titles: each, counts: { requested: 1, completed: 1, cancelled: 1 } }] });
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).not.toContain('<script');
    // The id prefix keeps only letters, digits and hyphens: it cannot leave its attribute.
    expect(svg).not.toMatch(/\son\w+=/);
    expect(svg).toContain('<pattern id="xonloadalert1-requested"');
    const escaped = escapeXml(hostile);
    expect(escaped).toBe('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;');
    expect(svg).toContain(`aria-label="${escaped}"`);
    // Three legend names, one day name and three tooltips.
    expect(svg.split(escaped).length - 1).toBe(1 + 3 + 1 + 3);
  });

  it('gives each outcome its own pattern as well as its colour, the same in the legend and in the bars', () => {
    const svg = chart([day('Jun 1', { requested: 1, completed: 2, cancelled: 3 })]);
    const patterns = [...svg.matchAll(/<pattern id="([\w-]+)"[^>]*>(.*?)<\/pattern>/g)].map((m) => ({ id: m[1]!, body: m[2]! }));
    expect(patterns.map((p) => p.id)).toEqual(['chart-requested', 'chart-completed', 'chart-cancelled']);
    // Solid, hatched (lines), dotted (circles): told apart without colour.
    expect(patterns[0]!.body).not.toMatch(/<line|<circle/);
    expect(patterns[1]!.body).toContain('<line');
    expect(patterns[2]!.body).toContain('<circle');
    const colours = patterns.map((p) => /fill="(#[0-9A-Fa-f]{6})"/.exec(p.body)![1]);
    expect(new Set(colours).size).toBe(3);

    for (const outcome of OUTCOMES) {
      expect(svg).toMatch(new RegExp(`<rect class="swatch swatch-${outcome}"[^>]*fill="url\\(#chart-${outcome}\\)"`));
      expect(svg).toContain(`>${SERIES[outcome]}</text>`);
    }
    expect(bars(svg).map((b) => [b.outcome, b.pattern])).toEqual(OUTCOMES.map((o) => [o, `chart-${o}`]));
  });

  it('draws one bar per outcome and day with a figure, its tooltip saying the figure, heights in proportion', () => {
    const svg = chart([day('May 31', { requested: 2, completed: 4 }), day('Jun 1', { cancelled: 1 })]);
    const drawn = bars(svg);
    expect(drawn.map((b) => b.title)).toEqual(['May 31: 2 requested', 'May 31: 4 completed', 'Jun 1: 1 cancelled']);
    const [requested, completed] = drawn;
    expect(completed!.height).toBeCloseTo(requested!.height * 2, 0);
  });

  it('names the last day and every fifth before it under the axis', () => {
    const days = Array.from({ length: 30 }, (_, i) => day(`D${i + 1}`));
    const ticks = [...chart(days).matchAll(/<text class="axis"[^>]*text-anchor="middle">([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(ticks).toEqual(['D5', 'D10', 'D15', 'D20', 'D25', 'D30']);
  });

  it('draws an empty chart, with its axis and legend, when there is nothing to show', () => {
    const svg = chart(Array.from({ length: 30 }, (_, i) => day(`D${i + 1}`)));
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(bars(svg)).toEqual([]);
    expect(svg).not.toContain('NaN');
    expect(svg).toContain('<g class="chart-legend">');
    expect(svg.match(/<line class="grid"/g)).toHaveLength(2);
  });

  it('draws what it cannot count (negative, fractional, missing) as whole numbers, never as NaN', () => {
    const odd = { tick: 'Jun 1', titles: { requested: 'a', completed: 'b', cancelled: 'c' }, counts: { requested: -3, completed: 2.7, cancelled: Number.NaN } };
    const svg = chart([odd]);
    expect(svg).not.toContain('NaN');
    expect(bars(svg).map((b) => b.outcome)).toEqual(['completed']);
  });
});

describe('valueScale', () => {
  it.each([
    [0, { step: 1, top: 1 }],
    [3, { step: 1, top: 3 }],
    [4, { step: 1, top: 4 }],
    [7, { step: 2, top: 8 }],
    [40, { step: 10, top: 40 }],
    [41, { step: 20, top: 60 }],
    [1234, { step: 500, top: 1500 }],
  ])('puts %d under a round top', (highest, scale) => {
    expect(valueScale(highest)).toEqual(scale);
  });
});
