/**
 * A tiny XML builder: every text node and attribute value passes through `escapeXml`, so a
 * domain name or auth code can never change a frame's structure.
 */

export interface XmlElement {
  name: string;
  attrs?: Record<string, string | number | undefined>;
  children: XmlChild[];
}
export type XmlChild = XmlElement | string | number | null | undefined | false;

// Characters XML 1.0 cannot carry at all; escaping cannot help, so refuse them.
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

export function escapeXml(value: string): string {
  if (FORBIDDEN.test(value)) throw new TypeError('value contains characters not allowed in XML');
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function el(name: string, attrs?: XmlElement['attrs'] | null, ...children: XmlChild[]): XmlElement {
  return { name, attrs: attrs ?? undefined, children };
}

export function render(node: XmlChild): string {
  if (node === null || node === undefined || node === false) return '';
  if (typeof node === 'string' || typeof node === 'number') return escapeXml(String(node));
  let attrs = '';
  for (const [key, value] of Object.entries(node.attrs ?? {})) {
    if (value !== undefined) attrs += ` ${key}="${escapeXml(String(value))}"`;
  }
  const inner = node.children.map(render).join('');
  return inner ? `<${node.name}${attrs}>${inner}</${node.name}>` : `<${node.name}${attrs}/>`;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="no"?>';

export function xmlDocument(root: XmlElement): string {
  return XML_DECLARATION + render(root);
}

/**
 * Masks secrets in raw EPP XML before it is logged: the contents of any `pw`, `newPW` and
 * `authInfo` element, whatever namespace prefix the sender chose.
 */
export function maskSecrets(xml: string): string {
  return xml
    .replace(/<((?:[\w.-]+:)?authInfo)(\s[^>]*)?>[\s\S]*?<\/\1\s*>/g, '<$1$2>***</$1>')
    .replace(/<((?:[\w.-]+:)?(?:pw|newPW))(\s[^>]*)?>[\s\S]*?<\/\1\s*>/g, '<$1$2>***</$1>');
}
