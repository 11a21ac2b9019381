import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BulkFileError, readTransferCsv, type CsvTransferRow } from './transfer-csv.reader.ts';

const LIMITS = { maxRows: 50_000, maxBytes: 10 * 1024 * 1024 };

async function read(content: string | Buffer, limits = LIMITS, chunk = 7): Promise<CsvTransferRow[]> {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  // Small chunks: a quoted field, a CRLF or a multi-byte character split across reads must not matter.
  const parts = Array.from({ length: Math.ceil(bytes.length / chunk) }, (_, i) => bytes.subarray(i * chunk, (i + 1) * chunk));
  const rows: CsvTransferRow[] = [];
  for await (const batch of readTransferCsv(Readable.from(parts), limits)) rows.push(...batch);
  return rows;
}

async function problem(content: string | Buffer, limits = LIMITS): Promise<string> {
  try {
    await read(content, limits);
    return 'read';
  } catch (error) {
    return error instanceof BulkFileError ? `${error.problem} ${JSON.stringify(error.params)}` : `other: ${String(error)}`;
  }
}

describe('reading a bulk transfer CSV', () => {
  it('numbers each row by the line it starts on, a quoted line break and blank lines included', async () => {
    for (const eol of ['\r\n', '\n', '\r']) {
      const rows = await read(`domain,auth_code${eol}a.com,"x${eol}y"${eol}${eol}b.com,z${eol}c.com,w`);
      expect(rows.map((r) => [r.line, r.domain, r.code]), JSON.stringify(eol)).toEqual([
        [2, 'a.com', `x${eol}y`],
        [5, 'b.com', 'z'],
        [6, 'c.com', 'w'],
      ]);
    }
  });

  it('reads a BOM, CRLF lines, quoted fields, and commas, quotes and spaces inside codes exactly', async () => {
    const rows = await read('\ufeffdomain,auth_code\r\nexample.com,"a,b""c d"\r\n"quoted.net",plain\r\n\r\nlast.org,  spaced  \r\n');
    expect(rows).toEqual([
      { line: 2, domain: 'example.com', code: 'a,b"c d', client: undefined },
      { line: 3, domain: 'quoted.net', code: 'plain', client: undefined },
      { line: 5, domain: 'last.org', code: '  spaced  ', client: undefined },
    ]);
  });

  it('takes the first row as data when it is not a header, and reads a client column by its header', async () => {
    expect((await read('a.com,code1\nb.com,code2\n')).map((r) => r.domain)).toEqual(['a.com', 'b.com']);
    const rows = await read('Client,Domain,EPP Code\n42,a.com,x1y2\n,b.com,z3w4\n');
    expect(rows).toEqual([
      { line: 2, domain: 'a.com', code: 'x1y2', client: '42' },
      { line: 3, domain: 'b.com', code: 'z3w4', client: undefined },
    ]);
    expect((await read('域名,转移密码\n例子.中国,码1234\n'))[0]).toMatchObject({ domain: '例子.中国', code: '码1234' });
  });

  it('marks a row with extra columns, a missing code or an empty name, and keeps reading', async () => {
    const rows = await read('domain,auth_code\na.com,x,extra\nb.com\n,code9\nc.com,\nd.com,ok12,\n');
    expect(rows.map((r) => [r.line, r.problem])).toEqual([
      [2, 'extra_columns'],
      [3, 'missing_columns'],
      [4, 'empty_domain'],
      [5, 'empty_code'],
      [6, undefined],
    ]);
  });

  it('refuses a file that is not CSV text, with its reason', async () => {
    expect(await problem(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08]))).toBe('not_csv {}');
    expect(await problem(Buffer.from('a.com,caf\xe9\n', 'latin1'))).toBe('not_csv {}');
    expect(await problem('a.com,"unclosed\nb.com,x\n')).toBe('not_csv {}');
    expect(await problem('domain,something_else\na.com,x\n')).toMatch(/^bad_header/);
  });

  it('refuses a file with no rows, too many rows or too many bytes, naming the limit', async () => {
    expect(await problem('domain,auth_code\r\n\r\n')).toBe('no_rows {}');
    expect(await problem('')).toBe('no_rows {}');
    expect(await problem('a.com,x\nb.com,y\nc.com,z\n', { maxRows: 2, maxBytes: 1000 })).toBe('too_many_rows {"maxRows":2}');
    expect(await problem('a.com,x\n'.repeat(200), { maxRows: 1000, maxBytes: 1024 })).toBe('too_large {"maxMB":0}');
  });

  it('reads 100,000 rows without holding them', async () => {
    const body = Buffer.from(Array.from({ length: 100_000 }, (_, i) => `d${i}.com,code-${i}`).join('\n'));
    let n = 0;
    for await (const batch of readTransferCsv(Readable.from([body]), { ...LIMITS, maxRows: 100_000 })) n += batch.filter((row) => !row.problem).length;
    expect(n).toBe(100_000);
  });
});
