import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../module/package-root.ts';
import { transferChartSvg } from '../../module/http/transfer-chart.svg.ts';
import {
  ESCAPED_MARKUP,
  HOSTILE,
  hostileContext,
  languages,
  locate,
  productRenderer,
  RAW_MARKUP,
  roundsOf,
  shapeOf,
  templatesUnder,
  VIEW_DIRECTORIES,
  withReferenceHostViews,
  type Needs,
  type ViewShape,
} from './hostile-views.ts';

/**
 * Every template, rendered by the product's own renderer with markup in every field it reads
 * (in every branch its conditions allow), must print it escaped. A static check keeps unescaped
 * output (`{{{…}}}`, `{{&…}}`) to the few places listed below.
 */

/**
 * Unescaped output the views may use, each with why it is safe. `builtBy`: a value a builder
 * makes, which the renders below get as that builder makes it from hostile inputs.
 */
const ALLOWED_UNESCAPED: Array<{ file: string; expression: string; builtBy?: { path: string; build: () => string } }> = [
  // The page body: rendered by Handlebars (escaping every value) and handed to the layout as a SafeString.
  { file: 'views/layouts/main.hbs', expression: '{{{body}}}' },
  // The transfers chart: an SVG string from transferChartSvg, which escapes every text it writes
  // (labels, day names, tooltips); the rest is numbers and fixed markup. The renders below give
  // it the builder's output for hostile labels, so they prove that escaping too.
  { file: 'views/admin/dashboard.hbs', expression: '{{{chartSvg}}}', builtBy: { path: 'chartSvg', build: hostileTransferChart } },
];

/** Values no context can make hostile, so switching them to `{{{…}}}` shows nothing in a render (the static check still refuses it). */
const SET_BY_THE_RENDERER = [
  // The renderer puts the page's language (one with message catalogs) over whatever the data says.
  { template: 'layouts/main', text: '{{locale}}' },
];

/** The built values, by context path, that every hostile render gets in place of a hostile one. */
const BUILT = Object.fromEntries(ALLOWED_UNESCAPED.flatMap((a) => (a.builtBy ? [[a.builtBy.path, a.builtBy.build()]] : [])));

const UNESCAPED = /\{\{~?\s*[{&][^}]*\}+/g;
const templateNames = (directories: string[]) => [...new Set(directories.flatMap((dir) => templatesUnder(dir)))];
const pages = templateNames(VIEW_DIRECTORIES).filter((name) => !name.startsWith('partials/') && !name.startsWith('layouts/'));
const partials = templateNames(VIEW_DIRECTORIES).filter((name) => name.startsWith('partials/'));
const isPartial = (view: string) => view.startsWith('partials/');

interface Leak {
  view: string;
  locale: string;
  needs: Needs;
  around: string;
}

/** Renders `view` once per context in `rounds` and language; returns where markup got out, and whether it showed escaped. */
function renderHostile(renderer: ReturnType<typeof productRenderer>, view: string, shape: ViewShape, rounds: Needs[], locales: readonly string[]) {
  const leaks: Leak[] = [];
  let escapedSeen = false;
  for (const locale of locales) {
    for (const needs of rounds) {
      const html = renderer.render(view, hostileContext(shape, { ...needs, ...BUILT }), { locale, layout: isPartial(view) ? false : undefined });
      escapedSeen ||= html.includes(ESCAPED_MARKUP);
      for (let at = html.indexOf(RAW_MARKUP); at >= 0; at = html.indexOf(RAW_MARKUP, at + 1)) {
        leaks.push({ view, locale, needs, around: html.slice(Math.max(0, at - 60), at + 40) });
      }
    }
  }
  return { leaks, escapedSeen };
}

describe('views print every value escaped', () => {
  it('finds the pages and partials', () => {
    expect(pages).toEqual(expect.arrayContaining(['client/domain', 'admin/domain', 'error', 'confirm', 'host/login', 'host/client/profile']));
    expect(partials).toEqual(expect.arrayContaining(['partials/domain-transfer-out', 'partials/host-field']));
  });

  it('are rendered here as the reference host’s module renders them', async () => {
    const ours = productRenderer();
    const differing = await withReferenceHostViews((views) =>
      pages.filter((view) => {
        const shape = shapeOf(view, { layout: true });
        return roundsOf(shape).some((needs) => views.render(view, hostileContext(shape, needs), { locale: 'en' }) !== ours.render(view, hostileContext(shape, needs), { locale: 'en' }));
      }),
    );
    expect(differing).toEqual([]);
  });

  it.each(pages)('%s, in its layout, in every language', (view) => {
    const shape = shapeOf(view, { layout: true });
    const { leaks, escapedSeen } = renderHostile(productRenderer(), view, shape, roundsOf(shape), languages.locales);
    expect(leaks).toEqual([]);
    // Otherwise the check proves nothing: the hostile values must reach the page.
    expect(escapedSeen).toBe(true);
  });

  it.each(partials)('%s, on its own', (view) => {
    const shape = shapeOf(view, { layout: false });
    expect(renderHostile(productRenderer(), view, shape, roundsOf(shape), ['en']).leaks).toEqual([]);
  });
});

describe('unescaped output in views', () => {
  it('appears only where the allowlist says it is safe', () => {
    const found: Array<{ file: string; expression: string; line: number }> = [];
    for (const dir of VIEW_DIRECTORIES) {
      for (const name of templatesUnder(dir)) {
        const file = path.join(dir, `${name}.hbs`);
        const source = fs.readFileSync(file, 'utf8');
        const relative = path.relative(PACKAGE_ROOT, file).replace(/\\/g, '/');
        for (const match of source.matchAll(UNESCAPED)) {
          found.push({ file: relative, expression: match[0], line: source.slice(0, match.index).split('\n').length });
        }
      }
    }
    const unexpected = found.filter((f) => !ALLOWED_UNESCAPED.some((a) => a.file === f.file && a.expression === f.expression));
    expect(unexpected).toEqual([]);
    // An allowlist entry nothing matches any more is removed, so it cannot cover a later one.
    expect(ALLOWED_UNESCAPED.filter((a) => !found.some((f) => f.file === a.file && f.expression === a.expression))).toEqual([]);
  });

  it('matches every way Handlebars spells it', () => {
    const spellings = ['{{{value}}}', '{{~{value}~}}', '{{& value}}', '{{{ t "key" name=value }}}'];
    expect(spellings.filter((s) => !s.match(UNESCAPED))).toEqual([]);
    expect('{{value}} {{#if x}}{{/if}} {{t "k"}}'.match(UNESCAPED)).toBeNull();
  });
});

/**
 * Proof that the render check above catches a value printed unescaped: on a copy of the views,
 * each `{{value}}` in turn becomes `{{{value}}}`, and a render that reaches it must leak.
 */
describe('a value switched to triple-stash', () => {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'dt-views-'));
  afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));
  const copies = VIEW_DIRECTORIES.map((dir, i) => {
    const target = path.join(copy, String(i));
    fs.cpSync(dir, target, { recursive: true, filter: (src) => fs.statSync(src).isDirectory() || src.endsWith('.hbs') });
    return target;
  });

  it('is caught wherever it is', () => {
    // Each printer, with the views (and contexts) that reach it: pages in their layout, partials on their own too.
    const reaching = new Map<string, Array<{ view: string; shape: ViewShape; needs: Needs }>>();
    const printers = new Map<string, { template: string; start: number; end: number; text: string; line: number }>();
    for (const view of [...pages, ...partials]) {
      const shape = shapeOf(view, { layout: !isPartial(view), directories: copies });
      for (const printer of shape.printers.filter((p) => p.escaped)) {
        const key = `${printer.template}:${printer.start}`;
        printers.set(key, printer);
        reaching.set(key, [...(reaching.get(key) ?? []), { view, shape, needs: printer.needs }]);
      }
    }
    const missed: string[] = [];
    for (const [key, printer] of printers) {
      if (SET_BY_THE_RENDERER.some((s) => s.template === printer.template && s.text === printer.text)) continue;
      const file = locate(printer.template, copies)!;
      const original = fs.readFileSync(file, 'utf8');
      try {
        fs.writeFileSync(file, original.slice(0, printer.start) + triple(printer.text) + original.slice(printer.end));
        const renderer = productRenderer(copies);
        const caught = reaching.get(key)!.some(({ view, shape, needs }) => renderHostile(renderer, view, shape, [needs], ['en']).leaks.length > 0);
        if (!caught) missed.push(`${printer.template}.hbs:${printer.line} ${printer.text}`);
      } finally {
        fs.writeFileSync(file, original);
      }
    }
    expect(printers.size).toBeGreaterThan(100);
    expect(missed).toEqual([]);
  }, 120_000);
});

/** The transfers chart as its builder draws it when every text it is given is hostile. */
function hostileTransferChart(): string {
  const each = <T>(value: T) => ({ requested: value, completed: value, cancelled: value });
  return transferChartSvg({ label: HOSTILE, series: each(HOSTILE), idPrefix: HOSTILE, days: [{ tick: HOSTILE, titles: each(HOSTILE), counts: each(1) }] });
}

function triple(mustache: string): string {
  return mustache.replace(/^\{\{(~?)/, '{{$1{').replace(/(~?)\}\}$/, '}$1}}');
}
