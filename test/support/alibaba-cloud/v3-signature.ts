import crypto from 'node:crypto';

/**
 * Alibaba Cloud's V3 request signature (ACS3-HMAC-SHA256), computed from the request as the
 * server received it, written from the published algorithm rather than taken from the SDK so
 * that a request the SDK signed wrongly is refused:
 *
 *   CanonicalRequest = METHOD \n URI \n sorted query (RFC 3986) \n "name:value\n" per signed
 *                      header \n signed header names joined by ";" \n hex(sha256(body))
 *   StringToSign     = "ACS3-HMAC-SHA256" \n hex(sha256(CanonicalRequest))
 *   Signature        = hex(hmac-sha256(AccessKeySecret, StringToSign))
 *
 * Every x-acs-* header, host and content-type must be signed.
 */
export interface ReceivedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export type SignatureCheck = { ok: true; accessKeyId: string } | { ok: false; code: 'IncompleteSignature' | 'SignatureDoesNotMatch' | 'InvalidAccessKeyId.NotFound'; message: string };

const AUTHORIZATION = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/;

const rfc3986 = (value: string) => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (data: string | Buffer) => crypto.createHash('sha256').update(data).digest('hex');
const header = (headers: ReceivedRequest['headers'], name: string) => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
};

export function checkV3Signature(request: ReceivedRequest, secretOf: (accessKeyId: string) => string | undefined): SignatureCheck {
  const match = AUTHORIZATION.exec(header(request.headers, 'authorization'));
  if (!match) return { ok: false, code: 'IncompleteSignature', message: 'The request signature does not conform to Aliyun standards.' };
  const [, accessKeyId, signedList, signature] = match as unknown as [string, string, string, string];
  const secret = secretOf(accessKeyId);
  if (secret === undefined) return { ok: false, code: 'InvalidAccessKeyId.NotFound', message: 'Specified access key is not found.' };
  const signed = signedList.split(';');
  const required = Object.keys(request.headers).filter((name) => name.startsWith('x-acs-') || name === 'host' || name === 'content-type');
  const unsigned = required.filter((name) => !signed.includes(name));
  if (unsigned.length || [...signed].sort().join(';') !== signedList) {
    return { ok: false, code: 'IncompleteSignature', message: `headers not signed or not in order: ${unsigned.join(', ') || signedList}` };
  }
  if (header(request.headers, 'x-acs-content-sha256') !== sha256(request.body)) {
    return { ok: false, code: 'SignatureDoesNotMatch', message: 'x-acs-content-sha256 is not the hash of the body' };
  }
  const query = [...request.query.keys()]
    .filter((key, i, all) => all.indexOf(key) === i)
    .sort()
    .map((key) => `${rfc3986(key)}=${rfc3986(request.query.get(key) ?? '')}`)
    .join('&');
  const headers = signed.map((name) => `${name}:${header(request.headers, name).trim()}\n`).join('');
  const canonical = [request.method, request.path, query, headers, signedList, sha256(request.body)].join('\n');
  const expected = crypto.createHmac('sha256', secret).update(`ACS3-HMAC-SHA256\n${sha256(canonical)}`).digest('hex');
  if (!crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
    return { ok: false, code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.' };
  }
  return { ok: true, accessKeyId };
}
