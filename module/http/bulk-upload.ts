import { PassThrough, type Readable } from 'node:stream';
import type { Request } from 'express';
import busboy from 'busboy';
import { InputError } from '../errors.ts';
import { BulkFileError } from '../bulk/transfer-csv.reader.ts';

export interface BulkUpload {
  /** The client chosen for rows without a client column. */
  client?: string;
  /** The file's bytes (or the pasted text) as they arrive; never written anywhere. */
  content: Readable;
  /** Settles once the whole request has been read. */
  finished: Promise<void>;
}

/**
 * Reads the bulk transfer form as it arrives: a multipart upload (the `client` field first,
 * then the file) or a urlencoded paste. The file is handed on as a stream, so nothing of it is
 * buffered or kept; the form puts `client` before the file so it is known when the file starts.
 */
export function receiveBulkUpload(req: Request, maxBytes: number): Promise<BulkUpload> {
  if (!req.is('multipart/form-data')) {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const paste = typeof body.paste === 'string' ? body.paste : '';
    if (!paste.trim()) throw new InputError('bulk:upload.nothing', {}, 'file');
    return Promise.resolve({ client: text(body.client), content: streamOf(paste), finished: Promise.resolve() });
  }
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    let handedOver = false;
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fields: 8, fieldSize: maxBytes, fileSize: maxBytes + 1, parts: 10 } });
    } catch {
      return reject(new BulkFileError('not_csv'));
    }
    const finished = new Promise<void>((done) => parser.on('close', done));
    parser.on('field', (name, value) => (fields[name] = value));
    parser.on('file', (_name, stream) => {
      if (handedOver) return stream.resume();
      handedOver = true;
      resolve({ client: text(fields.client), content: stream, finished });
    });
    parser.on('close', () => {
      if (handedOver) return;
      handedOver = true;
      // No file part: the paste box, sent as a field of the same form.
      if (fields.paste?.trim()) resolve({ client: text(fields.client), content: streamOf(fields.paste), finished });
      else reject(new InputError('bulk:upload.nothing', {}, 'file'));
    });
    parser.on('error', () => (handedOver ? undefined : reject(new BulkFileError('not_csv'))));
    req.pipe(parser);
  });
}

const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim().slice(0, 64) : undefined);

function streamOf(content: string): Readable {
  const stream = new PassThrough();
  stream.end(Buffer.from(content, 'utf8'));
  return stream;
}
