import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';

export interface RegistryCertificates {
  /** Server certificate, also the CA that signed the client certificate. */
  cert: string;
  key: string;
  clientCert: string;
  clientKey: string;
  /** The same PEMs written to a temporary folder, for options that take file paths. */
  files: { ca: string; clientCert: string; clientKey: string };
  /** A certificate the server never trusted, for the "unknown client" case. */
  strangerCert: string;
  strangerKey: string;
  strangerFiles: { cert: string; key: string };
}

let cached: Promise<RegistryCertificates> | undefined;

/** EC keys keep generation quick; one set per test file is plenty. */
export function registryCertificates(): Promise<RegistryCertificates> {
  cached ??= make();
  return cached;
}

async function make(): Promise<RegistryCertificates> {
  const extensions = [
    { name: 'basicConstraints' as const, cA: true },
    { name: 'keyUsage' as const, digitalSignature: true, keyCertSign: true, keyEncipherment: true },
    { name: 'extKeyUsage' as const, serverAuth: true, clientAuth: true },
    { name: 'subjectAltName' as const, altNames: [{ type: 7 as const, ip: '127.0.0.1' }, { type: 2 as const, value: 'localhost' }] },
  ];
  const server = await generate([{ name: 'commonName', value: 'epp.test-registry.invalid' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions,
    clientCertificate: { cn: 'test-registrar', keyType: 'ec', algorithm: 'sha256' },
  });
  const stranger = await generate([{ name: 'commonName', value: 'stranger' }], { keyType: 'ec', algorithm: 'sha256' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epp-registry-'));
  const write = (name: string, content: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content, { mode: 0o600 });
    return file;
  };
  return {
    cert: server.cert,
    key: server.private,
    clientCert: server.clientcert!,
    clientKey: server.clientprivate!,
    files: { ca: write('ca.pem', server.cert), clientCert: write('client.pem', server.clientcert!), clientKey: write('client.key', server.clientprivate!) },
    strangerCert: stranger.cert,
    strangerKey: stranger.private,
    strangerFiles: { cert: write('stranger.pem', stranger.cert), key: write('stranger.key', stranger.private) },
  };
}
