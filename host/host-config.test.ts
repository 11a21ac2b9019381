import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostConfigError, loadHostConfig } from './host-config.ts';

describe('the reference host settings', () => {
  it('keeps the default SQLite file in DT_DATA_DIR with the generated secrets, unless DATABASE_URL names one', () => {
    const dir = path.join(os.tmpdir(), `dt-data-${process.pid}`);
    expect(loadHostConfig({ DT_DATA_DIR: dir, SESSION_SECRET: 's', DT_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') }).databaseUrl).toBe(`sqlite:${path.join(dir, 'domain-transfers.sqlite')}`);
    expect(loadHostConfig({ DT_DATA_DIR: dir, DATABASE_URL: 'sqlite:/elsewhere.sqlite', SESSION_SECRET: 's', DT_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') }).databaseUrl).toBe('sqlite:/elsewhere.sqlite');
  });

  it('names a PORT that is not a port', () => {
    expect(() => loadHostConfig({ PORT: 'eighty', SESSION_SECRET: 's', DT_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64') })).toThrow(HostConfigError);
  });
});
