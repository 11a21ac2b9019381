import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../package-root.ts';
import Handlebars from 'handlebars';
import type { i18n } from 'i18next';
import type { Locale } from '../i18n.ts';

export const MODULE_VIEWS_DIRECTORY = path.join(PACKAGE_ROOT, 'views');

export interface RenderOptions {
  locale: Locale;
  /** Layout name under layouts/, or false for a bare fragment. Default `main`. */
  layout?: string | false;
}

export interface ViewRenderer {
  render(view: string, data: Record<string, unknown>, options: RenderOptions): string;
}

type Template = Handlebars.TemplateDelegate;

function listTemplates(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.hbs'));
}

/**
 * Handlebars views looked up in `directories` in order, so a host can override any module
 * template (a layout, a partial, a page) by shipping the same path in its own directory.
 */
export function createViewRenderer(options: { directories: string[]; i18n: i18n; cache?: boolean }): ViewRenderer {
  const hbs = Handlebars.create();
  const cache = options.cache ?? true;
  const compiled = new Map<string, Template>();

  // Registered in reverse so the first directory wins on a name clash.
  for (const dir of [...options.directories].reverse()) {
    const partialsDir = path.join(dir, 'partials');
    for (const file of listTemplates(partialsDir)) {
      const name = file.replace(/\\/g, '/').replace(/\.hbs$/, '');
      hbs.registerPartial(name, fs.readFileSync(path.join(partialsDir, file), 'utf8'));
    }
  }

  const localeOf = (opts: Handlebars.HelperOptions): Locale => (opts.data?.root?.locale as Locale) ?? 'en';

  // {{t "key" name=value}}, or {{t key params}} with the values in an object.
  hbs.registerHelper('t', function (key: string, ...rest: unknown[]) {
    const opts = rest.pop() as Handlebars.HelperOptions;
    const params = (rest[0] && typeof rest[0] === 'object' ? rest[0] : {}) as Record<string, unknown>;
    return options.i18n.getFixedT(localeOf(opts))(key, { ...params, ...(opts.hash ?? {}) });
  });
  // A stored code (`transfer.requested`, `auth_code_invalid`) as a label; an unknown one is shown as it is.
  hbs.registerHelper('tcode', function (prefix: string, code: unknown, opts: Handlebars.HelperOptions) {
    if (code === null || code === undefined || code === '') return '';
    const text = String(code);
    return options.i18n.getFixedT(localeOf(opts))(`${prefix}.${text.replace(/[.:\s]/g, '_')}`, { defaultValue: text });
  });
  // Who did something (`job:42`, `sync:run-7`, `admin:3`, `client:12`), in words.
  hbs.registerHelper('actor', function (actor: unknown, opts: Handlebars.HelperOptions) {
    const text = String(actor ?? '');
    const [kind = '', ...rest] = text.split(':');
    const id = rest.join(':').replace(/^run-/, '');
    return options.i18n.getFixedT(localeOf(opts))(`domains:actor.${kind.replace(/[.\s]/g, '_')}`, { id, defaultValue: text });
  });
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('ifAdmin', (isAdmin: unknown, yes: unknown, no: unknown) => (isAdmin ? yes : no));
  hbs.registerHelper('ne', (a: unknown, b: unknown) => a !== b);
  hbs.registerHelper('not', (a: unknown) => !a);
  hbs.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  const zoneOf = (opts: Handlebars.HelperOptions): string => (opts.data?.root?.timeZone as string) ?? 'UTC';
  hbs.registerHelper('date', (value: unknown, opts: Handlebars.HelperOptions) => formatDate(value, 'date', localeOf(opts), zoneOf(opts)));
  hbs.registerHelper('datetime', (value: unknown, opts: Handlebars.HelperOptions) => formatDate(value, 'datetime', localeOf(opts), zoneOf(opts)));
  hbs.registerHelper('money', function (minor: number, currency: string, opts: Handlebars.HelperOptions) {
    if (typeof minor !== 'number') return '';
    return new Intl.NumberFormat(localeOf(opts), { style: 'currency', currency: currency || 'USD' }).format(minor / 100);
  });
  hbs.registerHelper('percent', (share: unknown, opts: Handlebars.HelperOptions) => new Intl.NumberFormat(localeOf(opts), { style: 'percent', maximumFractionDigits: 1 }).format(Number(share)));
  hbs.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).join(''));
  hbs.registerHelper('json', (value: unknown) => JSON.stringify(value, null, 2));

  function template(name: string): Template {
    const hit = cache ? compiled.get(name) : undefined;
    if (hit) return hit;
    for (const dir of options.directories) {
      const file = path.join(dir, `${name}.hbs`);
      if (fs.existsSync(file)) {
        const fn = hbs.compile(fs.readFileSync(file, 'utf8'), { strict: false });
        compiled.set(name, fn);
        return fn;
      }
    }
    throw new Error(`view not found: ${name}`);
  }

  return {
    render(view, data, renderOptions) {
      const context = { ...data, locale: renderOptions.locale };
      const body = template(view)(context);
      if (renderOptions.layout === false) return body;
      return template(`layouts/${renderOptions.layout ?? 'main'}`)({ ...context, body: new hbs.SafeString(body) });
    },
  };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A date (or date and time, with its zone) in the reader's language and the configured time zone. */
export function formatDate(value: unknown, kind: 'date' | 'datetime', locale: string, timeZone: string): string {
  if (value === null || value === undefined || value === '') return '';
  const date = value instanceof Date ? value : new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : (value as number));
  if (Number.isNaN(date.getTime())) return '';
  const key = `${kind}|${locale}|${timeZone}`;
  let format = formatters.get(key);
  if (!format) {
    const parts: Intl.DateTimeFormatOptions =
      kind === 'date'
        ? { year: 'numeric', month: 'short', day: 'numeric', timeZone }
        : { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone, timeZoneName: 'short' };
    format = new Intl.DateTimeFormat(locale, parts);
    formatters.set(key, format);
  }
  return format.format(date);
}
