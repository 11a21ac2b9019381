import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type i18n, type TFunction } from 'i18next';

export const SUPPORTED_LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];

export const MODULE_LOCALES_DIRECTORY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../views/locales');

/** Cookie that keeps a user's language choice. */
export const LOCALE_COOKIE = 'lang';

/**
 * Message catalogs: `<dir>/<locale>/<namespace>.json`. Each part of the product keeps its own
 * namespace file; keys are looked up as `namespace:key`, falling back to English.
 */
export function createI18n(directories: string[] = [MODULE_LOCALES_DIRECTORY]): i18n {
  const resources: Record<string, Record<string, object>> = {};
  const namespaces = new Set<string>();
  for (const dir of directories) {
    for (const locale of SUPPORTED_LOCALES) {
      const localeDir = path.join(dir, locale);
      if (!fs.existsSync(localeDir)) continue;
      for (const file of fs.readdirSync(localeDir).filter((f) => f.endsWith('.json'))) {
        const ns = file.slice(0, -'.json'.length);
        namespaces.add(ns);
        resources[locale] ??= {};
        resources[locale][ns] = { ...(resources[locale][ns] ?? {}), ...JSON.parse(fs.readFileSync(path.join(localeDir, file), 'utf8')) };
      }
    }
  }
  const instance = i18next.createInstance();
  void instance.init({
    resources,
    ns: [...namespaces],
    defaultNS: 'common',
    fallbackNS: 'common',
    fallbackLng: 'en',
    supportedLngs: [...SUPPORTED_LOCALES],
    interpolation: { escapeValue: false },
    initAsync: false,
    showSupportNotice: false,
  } as Parameters<i18n['init']>[0]);
  return instance;
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (SUPPORTED_LOCALES as readonly string[]).includes(value);
}

/** Best supported match for an Accept-Language header, honouring q-values. */
export function localeFromAcceptLanguage(header: string | undefined, fallback: Locale = 'en'): Locale {
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
    const exact = SUPPORTED_LOCALES.find((l) => l.toLowerCase() === tag);
    if (exact) return exact;
    const primary = tag.split('-')[0];
    const partial = SUPPORTED_LOCALES.find((l) => l.toLowerCase().split('-')[0] === primary);
    if (partial) return partial;
  }
  return fallback;
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

/** The user's explicit choice (cookie, then profile), else the browser's Accept-Language. */
export function pickLocale(
  headers: { cookie?: string; 'accept-language'?: string },
  profileLocale?: string,
  fallback: Locale = 'en',
): Locale {
  const chosen = readCookie(headers.cookie, LOCALE_COOKIE);
  if (isLocale(chosen)) return chosen;
  if (isLocale(profileLocale)) return profileLocale;
  return localeFromAcceptLanguage(headers['accept-language'], fallback);
}

export function translatorFor(instance: i18n, locale: Locale): TFunction {
  return instance.getFixedT(locale);
}
