import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { embedModule } from '../support/embedded-platform.ts';

const db = useMigratedDatabase();
const SESSION = 'session-0123456789abcdef';

describe("the host's auth port", () => {
  it('may be async; the client sees their pages, and a numeric client id is taken as a string', async () => {
    const platform = await embedModule(db);
    const page = await request(platform.app)
      .get('/client/domains')
      .set(platform.as({ kind: 'client', clientId: Number(platform.clientId), name: 'Ada', sessionId: SESSION }));
    expect(page.status).toBe(200);
    expect(page.text).toContain('Ada');
  });

  it('refuses a principal without sessionId with a 401 page and one log line naming the field', async () => {
    const platform = await embedModule(db);
    const page = await request(platform.app).get('/client/domains').set(platform.as({ kind: 'client', clientId: platform.clientId, name: 'Ada' }));
    expect(page.status).toBe(401);
    expect(page.text).toContain('We could not confirm who you are');
    const lines = platform.logs().filter((line) => line.includes('sessionId'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).msg).toBe('refused: a client principal has no sessionId (a secret per login session, at least 8 characters)');
  });

  it('names a missing clientId or adminId, and an admin without permissions', async () => {
    const platform = await embedModule(db);
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ kind: 'client', sessionId: SESSION }, '/client/domains', 'a client principal has no clientId'],
      [{ kind: 'admin', sessionId: SESSION, permissions: '*' }, '/admin/domains', 'an admin principal has no adminId'],
      [{ kind: 'admin', adminId: '7', sessionId: SESSION }, '/admin/domains', 'an admin principal has no permissions'],
      [{ kind: 'staff', adminId: '7', sessionId: SESSION }, '/admin/domains', 'principal.kind is "staff"'],
    ];
    for (const [principal, path, problem] of cases) {
      const page = await request(platform.app).get(path).set(platform.as(principal));
      expect(page.status, JSON.stringify(principal)).toBe(401);
      expect(platform.logs().some((line) => String(JSON.parse(line).msg).includes(problem)), problem).toBe(true);
    }
  });

  it("answers an auth that throws with the module's own error page (503), not a stack trace", async () => {
    const platform = await embedModule(db, {
      auth: async () => {
        throw new Error('session store unreachable');
      },
    });
    const page = await request(platform.app).get('/client/domains');
    expect(page.status).toBe(503);
    expect(page.headers['content-type']).toMatch(/html/);
    expect(page.text).toContain('We could not check who you are just now');
    expect(page.text).not.toContain('session store unreachable');
    expect(page.text).not.toMatch(/\s+at /);
    expect(platform.logs().some((line) => line.includes("the host's auth function threw"))).toBe(true);
    const json = await request(platform.app).get('/client/domains').set('accept', 'application/json');
    expect(json.status).toBe(503);
    expect(json.body.error.code).toBe('errors.auth_unavailable');
  });

  it('sends someone not logged in to the host login page with where they were going', async () => {
    const platform = await embedModule(db);
    const page = await request(platform.app).get('/client/domains?x=1');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe(`/sign-in?next=${encodeURIComponent('/client/domains?x=1')}`);
  });

  it('derives a different CSRF token for each session', async () => {
    const platform = await embedModule(db);
    const tokenOf = async (sessionId: string) => {
      const page = await request(platform.app).get('/client/order/domain?action=transfer').set(platform.as({ kind: 'client', clientId: platform.clientId, sessionId }));
      return /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    };
    expect(await tokenOf('session-aaaaaaaaaaaa')).not.toBe(await tokenOf('session-bbbbbbbbbbbb'));
  });
});
