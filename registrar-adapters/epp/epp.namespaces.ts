/**
 * Element names by namespace, not by the prefix a registry happened to choose. Registries write
 * `domain:`, `dom:`, no prefix with a default namespace, or anything else; a contact's
 * `<infData>` and a domain's share a local name. After `qualify`, every element is named
 * `<alias>:<local>` for the namespaces below (EPP's own elements keep their bare local name),
 * and `{<uri>}<local>` for any other namespace, so a reader asks for `domain:infData` and can
 * never be handed a contact's or a host's.
 */

export const NS = {
  epp: 'urn:ietf:params:xml:ns:epp-1.0',
  domain: 'urn:ietf:params:xml:ns:domain-1.0',
  contact: 'urn:ietf:params:xml:ns:contact-1.0',
  host: 'urn:ietf:params:xml:ns:host-1.0',
  rgp: 'urn:ietf:params:xml:ns:rgp-1.0',
  secDNS: 'urn:ietf:params:xml:ns:secDNS-1.1',
  fee: 'urn:ietf:params:xml:ns:epp:fee-1.0',
} as const;

const ALIAS = new Map<string, string>(Object.entries(NS).map(([alias, uri]) => [uri, alias]));

type Node = Record<string, unknown>;
type Scope = ReadonlyMap<string, string>;

/** The namespace declarations an element makes, added to those in force around it. */
function scopeOf(node: unknown, outer: Scope): Scope {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return outer;
  let scope: Map<string, string> | undefined;
  for (const [key, value] of Object.entries(node as Node)) {
    if (key === '@_xmlns' || key.startsWith('@_xmlns:')) {
      scope ??= new Map(outer);
      scope.set(key === '@_xmlns' ? '' : key.slice(8), String(value));
    }
  }
  return scope ?? outer;
}

function qualifiedName(name: string, scope: Scope): string {
  const colon = name.indexOf(':');
  const prefix = colon === -1 ? '' : name.slice(0, colon);
  const local = colon === -1 ? name : name.slice(colon + 1);
  const uri = scope.get(prefix);
  if (uri === undefined) return colon === -1 ? local : `{?${prefix}}${local}`;
  if (uri === NS.epp) return local;
  const alias = ALIAS.get(uri);
  return alias ? `${alias}:${local}` : `{${uri}}${local}`;
}

function qualifyElement(node: unknown, scope: Scope): unknown {
  if (!node || typeof node !== 'object') return node;
  const out: Node = {};
  for (const [key, value] of Object.entries(node as Node)) {
    if (key === '@_xmlns' || key.startsWith('@_xmlns:')) continue;
    if (key.startsWith('@_') || key === '#text') {
      out[key] = value;
      continue;
    }
    // Each occurrence is named in its own scope: it may declare its prefix itself.
    for (const item of Array.isArray(value) ? value : [value]) {
      const itemScope = scopeOf(item, scope);
      const name = qualifiedName(key, itemScope);
      const qualified = qualifyElement(item, itemScope);
      if (!(name in out)) out[name] = Array.isArray(value) ? [qualified] : qualified;
      else out[name] = [...(Array.isArray(out[name]) ? (out[name] as unknown[]) : [out[name]]), qualified];
    }
  }
  return out;
}

/** The parsed document with every element named by its namespace (see above). */
export function qualify(document: Node): Node {
  return qualifyElement(document, new Map()) as Node;
}
