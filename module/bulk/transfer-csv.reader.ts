import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { parse, CsvError } from 'csv-parse';
import { AppError } from '../errors.ts';

/**
 * Reads a bulk transfer file (seed 002): `domain,auth_code`, an optional header, an optional
 * `client` column. The bytes stream through csv-parse (BOM, CRLF, quoted fields, commas and
 * quotes inside codes) and rows come out one at a time, so a 10 MB file never sits in memory
 * and the event loop keeps turning between chunks.
 *
 * A problem with one row is that row's result; a problem with the file (not CSV, too large,
 * too many rows) refuses the whole file with a BulkFileError naming the limit.
 */
export interface CsvTransferRow {
  /** The line the row starts on (1-based, counting the header), for the report. */
  line: number;
  domain: string;
  code: string;
  /** The client column's value, when the file has one. */
  client?: string;
  /** Set when the row cannot be read as a transfer; its message key. */
  problem?: 'extra_columns' | 'missing_columns' | 'empty_domain' | 'empty_code';
}

export type BulkFileProblem = 'not_csv' | 'too_large' | 'too_many_rows' | 'no_rows' | 'bad_header';

export class BulkFileError extends AppError {
  constructor(
    readonly problem: BulkFileProblem,
    params: Record<string, string | number> = {},
  ) {
    super(422, `bulk:file.${problem}`, params, { field: 'file' });
    this.name = 'BulkFileError';
  }
}

export interface CsvLimits {
  maxRows: number;
  maxBytes: number;
}

const DOMAIN_HEADERS = new Set(['domain', 'domain_name', 'domainname', 'name', '域名']);
const CODE_HEADERS = new Set(['auth_code', 'authcode', 'epp_code', 'eppcode', 'code', 'auth_info', 'authinfo', 'transfer_code', '转移密码', '授权码']);
const CLIENT_HEADERS = new Set(['client', 'client_id', 'clientid', '客户']);

/** Column positions: domain and code always, client when the header names one. */
interface Columns {
  domain: number;
  code: number;
  client?: number;
  width: number;
}

function headerColumns(cells: string[]): Columns | undefined {
  const names = cells.map((c) => c.trim().toLowerCase().replace(/[\s-]+/g, '_'));
  const domain = names.findIndex((n) => DOMAIN_HEADERS.has(n));
  if (domain < 0) return undefined;
  const code = names.findIndex((n) => CODE_HEADERS.has(n));
  if (code < 0) throw new BulkFileError('bad_header', { header: cells.join(',').slice(0, 200) });
  const client = names.findIndex((n) => CLIENT_HEADERS.has(n));
  return { domain, code, client: client >= 0 ? client : undefined, width: cells.length };
}

/**
 * Counts bytes on their way to the parser and stops the file past `maxBytes`, at a NUL (a
 * binary file) or at bytes that are not UTF-8 (a spreadsheet's legacy encoding would turn
 * names into mojibake).
 */
function byteGuard(maxBytes: number): Transform {
  let seen = 0;
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > maxBytes) return done(new BulkFileError('too_large', { maxMB: Math.round(maxBytes / 1_048_576) }));
      if (chunk.includes(0)) return done(new BulkFileError('not_csv'));
      try {
        utf8.decode(chunk, { stream: true });
      } catch {
        return done(new BulkFileError('not_csv'));
      }
      done(null, chunk);
    },
  });
}

/** Line breaks in a record's raw text; its closing CR LF shows as a lone CR (the LF is cut off). */
function breaksIn(raw: string): number {
  let breaks = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 10) breaks++;
    else if (c === 13 && raw.charCodeAt(i + 1) !== 10) breaks++;
  }
  return breaks;
}

/**
 * The rows of a bulk transfer file, in order, in batches as the parser has them; throws
 * BulkFileError for the file as a whole. Each row carries the line it starts on, counted
 * here from the records' raw text (the parser's own `info` costs more than the parse).
 */
export async function* readTransferCsv(input: Readable, limits: CsvLimits): AsyncGenerator<CsvTransferRow[]> {
  const parser = parse({ bom: true, relax_column_count: true, trim: false, raw: true, max_record_size: 64 * 1024 });
  const guard = byteGuard(limits.maxBytes);
  input.on('error', (error) => guard.destroy(error));
  guard.on('error', (error) => parser.destroy(error));
  input.pipe(guard).pipe(parser);
  // Kept from the start: an error between two batches (nobody waiting) is not lost or unhandled.
  let failure: unknown;
  let wake: (() => void) | undefined;
  parser.on('error', (error) => {
    failure ??= error;
    wake?.();
  });
  let columns: Columns | undefined;
  let rows = 0;
  let line = 1;
  let first = true;
  try {
    for (;;) {
      const batch: CsvTransferRow[] = [];
      let ended = false;
      await new Promise<void>((resolve, reject) => {
        const drain = () => {
          try {
            take();
          } catch (error) {
            done(error);
          }
        };
        const take = () => {
          let item: { record: string[]; raw: string } | null;
          while ((item = parser.read() as typeof item) !== null) {
            const at = line;
            line += breaksIn(item.raw);
            const cells = item.record;
            if (first) {
              first = false;
              columns = headerColumns(cells);
              if (columns) continue;
              columns = { domain: 0, code: 1, width: 2 };
            }
            if (cells.every((cell) => !cell.trim())) continue;
            if (++rows > limits.maxRows) return done(new BulkFileError('too_many_rows', { maxRows: limits.maxRows }));
            batch.push(rowOf(cells, columns!, at));
          }
          if (batch.length) done();
          else if (parser.readableEnded) finish();
        };
        const finish = () => {
          ended = true;
          done();
        };
        const done = (error?: unknown) => {
          parser.off('readable', drain);
          parser.off('end', finish);
          wake = undefined;
          if (error ?? failure) reject(error ?? failure);
          else resolve();
        };
        parser.on('readable', drain);
        parser.on('end', finish);
        wake = () => done();
        if (failure) return done();
        drain();
      });
      if (batch.length) yield batch;
      if (ended) break;
    }
  } catch (error) {
    if (error instanceof BulkFileError) throw error;
    if (error instanceof CsvError || error instanceof TypeError) throw new BulkFileError('not_csv');
    throw error;
  } finally {
    input.unpipe?.();
    input.destroy();
  }
  if (rows === 0) throw new BulkFileError('no_rows');
}

function rowOf(cells: string[], columns: Columns, line: number): CsvTransferRow {
  const cell = (index: number | undefined) => (index === undefined ? undefined : cells[index]);
  const row: CsvTransferRow = {
    line,
    domain: (cell(columns.domain) ?? '').trim(),
    // A code is taken exactly as written between its quotes: spaces can be part of it.
    code: cell(columns.code) ?? '',
    client: cell(columns.client)?.trim() || undefined,
  };
  if (cells.length > columns.width && cells.slice(columns.width).some((extra) => extra.trim() !== '')) row.problem = 'extra_columns';
  else if (cells.length < Math.max(columns.domain, columns.code) + 1) row.problem = 'missing_columns';
  else if (!row.domain) row.problem = 'empty_domain';
  else if (!row.code) row.problem = 'empty_code';
  return row;
}
