import fs from 'node:fs';
import path from 'node:path';
import i18next, { type i18n } from 'i18next';
import { PACKAGE_ROOT } from './package-root.ts';

/** A language tag with message catalogs, e.g. `en`, `zh-CN`, `de`. */
export type Locale = string;

export const MODULE_LOCALES_DIRECTORY = path.join(PACKAGE_ROOT, 'views', 'locales');

/** Cookie that keeps a user's language choice. */
export const LOCALE_COOKIE = 'lang';

/** The language every other one falls back to, key by key. */
export const FALLBACK_LOCALE = 'en';

const LOCALE_TAG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/**
 * The message catalogs found in `directories` (`<dir>/<locale>/<namespace>.json`) and the
 * languages they make: any folder with a catalog is a language. Later directories add keys to
 * earlier ones, so a host can add a language or reword a message without copying the rest;
 * a key missing in one language falls back to English.
 */
export class Languages {
  readonly i18n: i18n;
  /** Every language with at least one catalog, English first. */
  readonly locales: readonly Locale[];

  constructor(directories: readonly string[]) {
    const resources: Record<string, Record<string, object>> = {};
    const namespaces = new Set<string>();
    for (const dir of directories) {
      if (!fs.existsSync(dir)) continue;
      for (const locale of fs.readdirSync(dir).filter((name) => LOCALE_TAG.test(name))) {
        const localeDir = path.join(dir, locale);
        if (!fs.statSync(localeDir).isDirectory()) continue;
        for (const file of fs.readdirSync(localeDir).filter((f) => f.endsWith('.json'))) {
          const ns = file.slice(0, -'.json'.length);
          namespaces.add(ns);
          resources[locale] ??= {};
          resources[locale][ns] = { ...(resources[locale][ns] ?? {}), ...JSON.parse(fs.readFileSync(path.join(localeDir, file), 'utf8')) };
        }
      }
    }
    this.locales = Object.keys(resources).sort((a, b) => (a === FALLBACK_LOCALE ? -1 : b === FALLBACK_LOCALE ? 1 : a.localeCompare(b)));
    this.i18n = i18next.createInstance();
    void this.i18n.init({
      resources,
      ns: [...namespaces],
      defaultNS: 'common',
      fallbackNS: 'common',
      fallbackLng: FALLBACK_LOCALE,
      supportedLngs: [...this.locales],
      interpolation: { escapeValue: false },
      initAsync: false,
      showSupportNotice: false,
    } as Parameters<i18n['init']>[0]);
  }

  /** The language as we have it (`zh-cn` → `zh-CN`), or undefined when there is no catalog for it. */
  match(value: unknown): Locale | undefined {
    if (typeof value !== 'string' || !value) return undefined;
    const lower = value.toLowerCase();
    return this.locales.find((l) => l.toLowerCase() === lower);
  }

  /** Best match for an Accept-Language header, honouring q-values; `de-AT` finds `de`. */
  fromAcceptLanguage(header: string | undefined, fallback: Locale): Locale {
    if (!header) return fallback;
    const ranges = header
      .split(',')
      .map((part) => {
        const [tag = '', ...params] = part.trim().split(';');
        const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
        return { tag: tag.trim().toLowerCase(), q: q ? Number(q.slice(2)) : 1 };
      })
      .filter((r) => r.tag && r.q > 0)
      .sort((a, b) => b.q - a.q);
    for (const { tag } of ranges) {
      if (tag === '*') return fallback;
      const exact = this.match(tag);
      if (exact) return exact;
      const primary = tag.split('-')[0];
      const partial = this.locales.find((l) => l.toLowerCase().split('-')[0] === primary);
      if (partial) return partial;
    }
    return fallback;
  }

  /** The user's explicit choice (cookie, then profile), else the browser's Accept-Language. */
  pick(headers: { cookie?: string; 'accept-language'?: string }, profileLocale: string | undefined, fallback: Locale): Locale {
    return this.match(readCookie(headers.cookie, LOCALE_COOKIE)) ?? this.match(profileLocale) ?? this.fromAcceptLanguage(headers['accept-language'], fallback);
  }

  /** The language's own name for itself, for a language switcher: `English`, `中文`, `Deutsch`. */
  nativeName(locale: Locale): string {
    const own = this.i18n.getResource(locale, 'common', 'language_name');
    if (typeof own === 'string' && own) return own;
    try {
      return new Intl.DisplayNames([locale], { type: 'language' }).of(locale) ?? locale;
    } catch {
      return locale;
    }
  }
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const index = pair.indexOf('=');
    if (index < 0) continue;
    if (pair.slice(0, index).trim() === name) {
      try {
        return decodeURIComponent(pair.slice(index + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
