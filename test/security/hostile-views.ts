import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import pino from 'pino';
import { createReferenceHostContext, HOST_LOCALES_DIRECTORY, HOST_VIEWS_DIRECTORY } from '../../host/build-host.ts';
import { testModuleConfig, TEST_ENV } from '../../host/test/host.test-support.ts';
import { createDomainTransferModule } from '../../module/create-module.ts';
import { createKnex } from '../../module/database.ts';
import { Languages, MODULE_LOCALES_DIRECTORY } from '../../module/i18n.ts';
import { createViewRenderer, MODULE_VIEWS_DIRECTORY, type ViewRenderer } from '../../module/http/view-renderer.ts';

/** What an attacker would store in any field: markup, both quote kinds and an ampersand. */
export const HOSTILE = `<img src=x onerror=alert(1)>"'&`;
/** Its start, as it must never reach a page. */
export const RAW_MARKUP = '<img src=x onerror';
/** Its start once Handlebars has escaped it (`=` included). */
export const ESCAPED_MARKUP = '&lt;img src&#x3D;x onerror&#x3D;';

/** The view directories in the order the reference host hands them to the module (host first). */
export const VIEW_DIRECTORIES = [HOST_VIEWS_DIRECTORY, MODULE_VIEWS_DIRECTORY];
export const languages = new Languages([MODULE_LOCALES_DIRECTORY, HOST_LOCALES_DIRECTORY]);

/** The product's own renderer (its helpers, partials and lookup order) over `directories`. */
export function productRenderer(directories = VIEW_DIRECTORIES): ViewRenderer {
  return createViewRenderer({ directories, i18n: languages.i18n });
}

/**
 * The renderer of the module as the reference host builds it, to show that `productRenderer`
 * is that one. The module is never started, so its (in-memory) database is never touched.
 */
export async function withReferenceHostViews<T>(use: (views: ViewRenderer) => T): Promise<T> {
  const knex = createKnex({ engine: 'sqlite', filename: ':memory:' });
  try {
    const { context, options } = createReferenceHostContext({ knex, config: testModuleConfig(), logger: pino({ level: 'silent' }), env: TEST_ENV });
    return use(createDomainTransferModule(context, options).views);
  } finally {
    await knex.destroy();
  }
}

/** Every `.hbs` under `root`, as template names (`client/domain`, `partials/host-field`). */
export function templatesUnder(root: string): string[] {
  return fs
    .readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.hbs'))
    .map((file) => file.replace(/\\/g, '/').replace(/\.hbs$/, ''))
    .sort();
}

/** Where a template name is found: the first directory that has it, as the renderer looks. */
export function locate(name: string, directories = VIEW_DIRECTORIES): string | undefined {
  return directories.map((dir) => path.join(dir, `${name}.hbs`)).find((file) => fs.existsSync(file));
}

/** Context paths (`view.order.status`, `transferOut.rules.#.state`; `#` is a list item) and the value a render gives them. */
export type Needs = Record<string, unknown>;

/** A `{{value}}` statement, and what the context must hold for a render to reach it. */
export interface Printer {
  template: string;
  /** The context path it prints. */
  path: string;
  escaped: boolean;
  line: number;
  start: number;
  end: number;
  text: string;
  needs: Needs;
}

type Node = { type: string; [key: string]: any };
type Frame = { prefix: string; aliases: Map<string, string> };
const join = (...parts: string[]) => parts.filter(Boolean).join('.');

export interface ViewShape {
  printers: Printer[];
  /** The top-level names the view reads anywhere (printed, tested, passed to helpers). */
  names: Set<string>;
}

/**
 * Reads a view's syntax tree (its layout and partials included) for every value it prints and
 * the branch conditions on the way there, resolving paths through `#with` and `#each` as the
 * renderer will: `{{#if x}}…{{else}}{{value}}` needs `x` false, `{{#if (eq s "open")}}` needs
 * `s` = "open". Hostile values are truthy and equal no literal, so the default reaches the rest.
 */
export function shapeOf(view: string, options: { layout: boolean; directories?: string[] }): ViewShape {
  const directories = options.directories ?? VIEW_DIRECTORIES;
  const printers: Printer[] = [];
  const names = new Set<string>();
  const visitTemplate = (template: string, stack: Frame[], needs: Needs) => {
    const file = locate(template, directories);
    if (!file) throw new Error(`no template ${template}`);
    const source = fs.readFileSync(file, 'utf8');
    const lineStarts = [0, ...[...source.matchAll(/\n/g)].map((m) => m.index! + 1)];
    const offset = (p: { line: number; column: number }) => lineStarts[p.line - 1]! + p.column;

    const resolve = (node: Node | undefined, frames: Frame[]): string | undefined => {
      if (node?.type !== 'PathExpression') return undefined;
      if (node.data) return node.parts[0] === 'root' ? named(join(...node.parts.slice(1))) : undefined;
      const frame = frames[frames.length - 1 - node.depth] ?? frames[0]!;
      const [head, ...rest] = node.parts as string[];
      if (head === undefined) return frame.prefix;
      return named(join(frame.aliases.get(head) ?? join(frame.prefix, head), ...rest));
    };
    const named = (resolved: string) => {
      if (resolved) names.add(resolved.split('.')[0]!);
      return resolved;
    };
    /** What makes `expr` truthy (or falsy); {} when a hostile value already does. */
    const condition = (expr: Node | undefined, truthy: boolean, frames: Frame[]): Needs => {
      if (!expr) return {};
      if (expr.type === 'PathExpression') return truthy ? {} : { [resolve(expr, frames) ?? '?']: false };
      if (expr.type !== 'SubExpression') return {};
      const helper = expr.path.original;
      const params = expr.params as Node[];
      if (helper === 'eq' || helper === 'ne') {
        const field = params.map((p) => resolve(p, frames)).find(Boolean);
        const literal = params.find((p) => p.type === 'StringLiteral')?.value;
        return field && literal !== undefined && truthy === (helper === 'eq') ? { [field]: literal } : {};
      }
      if (helper === 'not') return condition(params[0], !truthy, frames);
      if ((helper === 'and') === truthy) return Object.assign({}, ...params.map((p) => condition(p, truthy, frames)));
      if (helper === 'and' || helper === 'or') return condition(params[0], truthy, frames);
      return {};
    };
    /** Names every path a helper or partial is given, so the context offers it. */
    const touch = (node: Node | undefined, frames: Frame[]): void => {
      if (!node) return;
      if (node.type === 'PathExpression') resolve(node, frames);
      if (node.type === 'SubExpression') touchArguments(node, frames);
    };
    const touchArguments = (node: Node, frames: Frame[]) => {
      for (const param of node.params ?? []) touch(param, frames);
      for (const pair of node.hash?.pairs ?? []) touch(pair.value, frames);
    };
    const visit = (node: Node | undefined, frames: Frame[], needs: Needs): void => {
      if (!node) return;
      if (node.type === 'Program') return node.body.forEach((child: Node) => visit(child, frames, needs));
      if (node.type === 'MustacheStatement' || node.type === 'BlockStatement' || node.type === 'PartialStatement') touchArguments(node, frames);
      // Unescaped ones too: the renders must reach them to show what they print.
      const printed = node.type === 'MustacheStatement' && node.params.length === 0 && !node.hash ? resolve(node.path, frames) : undefined;
      if (printed !== undefined) {
        const start = offset(node.loc.start);
        const end = offset(node.loc.end);
        printers.push({ template, path: printed, escaped: node.escaped, line: node.loc.start.line, start, end, text: source.slice(start, end), needs });
      }
      if (node.type === 'BlockStatement') {
        const helper = node.path.original;
        const subject = node.params[0] as Node | undefined;
        const target = subject && resolve(subject, frames);
        if (helper === 'if' || helper === 'unless') {
          visit(node.program, frames, { ...needs, ...condition(subject, helper === 'if', frames) });
          visit(node.inverse, frames, { ...needs, ...condition(subject, helper !== 'if', frames) });
        } else if ((helper === 'with' || helper === 'each') && target) {
          const inner = { prefix: helper === 'each' ? join(target, '#') : target, aliases: new Map<string, string>() };
          visit(node.program, [...frames, inner], needs);
          visit(node.inverse, frames, { ...needs, [target]: false });
        } else {
          visit(node.program, frames, needs);
          visit(node.inverse, frames, needs);
        }
      }
      if (node.type === 'PartialStatement') {
        // A partial sees its caller's context plus its hash: `value=contact.name` makes `value` that path.
        const aliases = new Map<string, string>();
        for (const pair of node.hash?.pairs ?? []) {
          const target = resolve(pair.value, frames);
          if (target) aliases.set(pair.key, target);
        }
        const current = frames[frames.length - 1]!;
        visitTemplate(`partials/${node.name.original}`, [...frames, { prefix: current.prefix, aliases }], needs);
      }
    };
    visit(Handlebars.parse(source) as Node, stack, needs);
  };
  const root: Frame[] = [{ prefix: '', aliases: new Map() }];
  if (options.layout) visitTemplate('layouts/main', root, {});
  visitTemplate(view, root, {});
  return { printers, names };
}

/**
 * A value that is everything a template may ask of it: printed, it is HOSTILE; as an object,
 * every property is another such value; iterated, a list of one; as JSON, HOSTILE again.
 * A path `needs` names gets that value instead.
 */
function hostileValue(needs: Needs, at: string): unknown {
  if (at in needs) return needs[at];
  const toText = () => HOSTILE;
  const get = (_target: object, key: string | symbol): unknown => {
    if (key === Symbol.toPrimitive || key === 'toString' || key === 'valueOf' || key === 'toJSON') return toText;
    if (key === Symbol.iterator) return function* () { yield hostileValue(needs, join(at, '#')); };
    // Handlebars trusts a value with toHTML as already escaped; a `then` would make it a promise.
    if (typeof key === 'symbol' || key === 'toHTML' || key === 'then') return undefined;
    if (key === 'length' && !(join(at, key) in needs)) return 1;
    return hostileValue(needs, join(at, key));
  };
  return new Proxy(
    {},
    {
      get,
      has: (target, key) => get(target, key) !== undefined,
      // Handlebars reads only own properties of context objects.
      getOwnPropertyDescriptor: (target, key) => {
        const value = get(target, key);
        return value === undefined ? undefined : { value, writable: true, enumerable: true, configurable: true };
      },
      ownKeys: () => [],
    },
  );
}

/** A view's top-level context: every name it reads, hostile unless `needs` says otherwise. */
export function hostileContext(view: ViewShape, needs: Needs): Record<string, unknown> {
  return Object.fromEntries([...view.names].map((name) => [name, hostileValue(needs, name)]));
}

/** The distinct contexts that, between them, reach every printer of a view. */
export function roundsOf(view: ViewShape): Needs[] {
  const seen = new Map<string, Needs>([['[]', {}]]);
  for (const p of view.printers) seen.set(JSON.stringify(Object.entries(p.needs).sort()), p.needs);
  return [...seen.values()];
}
