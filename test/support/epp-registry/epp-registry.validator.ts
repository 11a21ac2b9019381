import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateXML, type XMLFileInfo } from 'xmllint-wasm';

const XSD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/epp-xsd');
const IMPORTED = ['epp.xsd', 'eppcom.xsd', 'domain.xsd', 'host.xsd', 'contact.xsd', 'fee-1.0.xsd'];

let schemaFiles: { schema: XMLFileInfo; preload: XMLFileInfo[] } | undefined;
function schemas() {
  schemaFiles ??= {
    schema: { fileName: 'all.xsd', contents: fs.readFileSync(path.join(XSD_DIR, 'all.xsd'), 'utf8') },
    preload: IMPORTED.map((f) => ({ fileName: f, contents: fs.readFileSync(path.join(XSD_DIR, f), 'utf8') })),
  };
  return schemaFiles;
}

export interface SchemaFailure {
  /** Which frame: its clTRID when it had one. */
  label: string;
  xml: string;
  errors: string[];
}

/**
 * Checks EPP frames against the IETF schemas (all.xsd loads every namespace, since epp.xsd's
 * <any namespace="##other"/> is strict). Each xmllint-wasm call starts a worker and loads the
 * schemas (~80 ms), so frames are collected and validated in batches, one file per frame.
 */
export async function validateFrames(frames: ReadonlyArray<{ label: string; xml: string }>): Promise<SchemaFailure[]> {
  if (frames.length === 0) return [];
  const { schema, preload } = schemas();
  const files = frames.map((f, i) => ({ fileName: `frame-${i}.xml`, contents: f.xml }));
  const result = await validateXML({ xml: files, schema, preload });
  if (result.valid) return [];
  const byFile = new Map<string, string[]>();
  for (const line of result.rawOutput.split('\n')) {
    const match = /^(frame-\d+\.xml)(?::\d+:)?\s*(.*)$/.exec(line.trim());
    if (!match || match[2] === 'validates') continue;
    const list = byFile.get(match[1]!) ?? [];
    list.push(match[2]!);
    byFile.set(match[1]!, list);
  }
  return files.flatMap((file, i) => {
    const errors = byFile.get(file.fileName);
    return errors ? [{ label: frames[i]!.label, xml: frames[i]!.xml, errors }] : [];
  });
}
