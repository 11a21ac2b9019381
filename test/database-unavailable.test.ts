import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createKnex } from '../module/database.ts';
import { buildHost } from '../host/build-host.ts';
import { DEMO, testModuleConfig, TEST_ENV } from '../host/test/host.test-support.ts';
import { createCaptureLogger } from './support/capture-logger.ts';

describe('a database that goes away while the host is running', () => {
  it('answers a translated 4xx that says nothing was changed, never a 500 or a stack trace', async () => {
    // Port 1 on loopback refuses connections at once.
    const capture = createCaptureLogger();
    const knex = createKnex({ engine: 'mysql', host: '127.0.0.1', port: 1, user: 'root', password: '', database: 'gone' }, {
      log: { debug: () => {}, warn: (m) => capture.logger.warn(m), error: (m) => capture.logger.warn(m) },
    });
    const host = buildHost({ knex, logger: capture.logger, config: testModuleConfig(), env: TEST_ENV });
    try {
      const response = await request(host.app).post('/login').type('form').send(DEMO.client);
      expect(response.status).toBe(424);
      expect(response.text).toContain('We could not reach our database just now. Nothing was changed');
      expect(response.text).not.toMatch(/ECONNREFUSED|at .*\.ts:\d+/);
      const zh = await request(host.app).post('/login').type('form').set('Accept-Language', 'zh-CN').send(DEMO.client);
      expect(zh.status).toBe(424);
      expect(zh.text).toContain('暂时无法连接我们的数据库');
      expect(capture.text()).toContain('database unavailable');
    } finally {
      await host.close();
      await knex.destroy();
    }
  });
});
