import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@switchyard/test-utils/node';
import { FileSource, SwitchyardServer, type AccessConfig } from '../src/index.js';

// Which environment answers a request: a key's own, or on an open server the one named (or the only
// one). A request naming another than its key's, or none of several, is refused with the reason —
// never answered from an environment it did not ask for.

const PROD_KEY = 'srv-prod-0123456789abcd';
const doc = (banner: string) => ({ flags: { banner: { state: 'ENABLED', variants: { a: banner }, defaultVariant: 'a' } } });

const running: SwitchyardServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function serve(names: string[], access?: AccessConfig) {
  const dir = tempDir();
  const environments = names.map((name) => {
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(doc(`Hello from ${name}`)));
    return { name, source: new FileSource(join(dir, `${name}.json`)) };
  });
  const server = new SwitchyardServer({ environments, access, logger: { info() {}, warn() {}, error() {} } });
  running.push(server);
  const url = await server.listen(0, '127.0.0.1');
  return (method: string, path: string, headers: Record<string, string> = {}) =>
    fetch(url + path, { method, headers: { 'Content-Type': 'application/json', ...headers }, body: method === 'POST' ? '{}' : undefined });
}

/** Every route that answers for one environment. */
const ROUTES: [string, string][] = [
  ['GET', '/v1/flags'],
  ['GET', '/v1/stream'],
  ['GET', '/v1/changes'],
  ['GET', '/v1/rollbacks'],
  ['POST', '/v1/rollbacks'],
  ['DELETE', '/v1/rollbacks/banner'],
  ['POST', '/v1/evidence'],
  ['GET', '/v1/report'],
  ['POST', '/ofrep/v1/evaluate/flags'],
  ['POST', '/ofrep/v1/evaluate/flags/banner'],
];
const withEnv = (path: string, env: string) => `${path}?env=${env}`;
const banner = async (res: Response) => (await res.json()).flags.banner.variants.a;

describe('a key answers for its own environment', () => {
  const keyed = () => serve(['prod', 'staging'], { keys: [{ key: PROD_KEY, environment: 'prod', scope: 'server' }] });
  const auth = { Authorization: `Bearer ${PROD_KEY}` };

  it('naming another environment is refused on every route (403, with the reason), by ?env= and by header', async () => {
    const request = await keyed();
    const reason = { error: 'this key is for environment "prod", not "staging"' };
    for (const [method, path] of ROUTES) {
      const res = await request(method, withEnv(path, 'staging'), auth);
      expect({ route: `${method} ${path}`, status: res.status, body: await res.json() }).toEqual({ route: `${method} ${path}`, status: 403, body: reason });
    }
    const byHeader = await request('GET', '/v1/flags', { ...auth, 'X-Switchyard-Environment': 'staging' });
    expect({ status: byHeader.status, body: await byHeader.json() }).toEqual({ status: 403, body: reason });
  });

  it("naming the key's own environment, or none, is answered from it", async () => {
    const request = await keyed();
    expect(await banner(await request('GET', withEnv('/v1/flags', 'prod'), auth))).toBe('Hello from prod');
    expect(await banner(await request('GET', '/v1/flags', auth))).toBe('Hello from prod');
    expect(await banner(await request('GET', '/v1/flags', { ...auth, 'X-Switchyard-Environment': 'prod' }))).toBe('Hello from prod');
  });

  it('echoes a long name cut short, and a wrong key is still 401 whatever it names', async () => {
    const request = await keyed();
    const res = await request('GET', withEnv('/v1/flags', 'x'.repeat(5000)), auth);
    expect(res.status).toBe(403);
    expect((await res.json()).error).toBe(`this key is for environment "prod", not "${'x'.repeat(64)}…"`);
    expect((await request('GET', withEnv('/v1/flags', 'staging'), { Authorization: 'Bearer wrong-key-0123456789' })).status).toBe(401);
  });
});

describe('an open server', () => {
  it('with several environments, refuses a request that names none (400, naming them) on every route', async () => {
    const request = await serve(['prod', 'staging']);
    for (const [method, path] of ROUTES) {
      const res = await request(method, path);
      expect({ route: `${method} ${path}`, status: res.status, body: await res.json() }).toEqual({
        route: `${method} ${path}`,
        status: 400,
        body: { error: 'this server serves several environments (prod, staging): name one with ?env= (or X-Switchyard-Environment)' },
      });
    }
    expect(await banner(await request('GET', withEnv('/v1/flags', 'staging')))).toBe('Hello from staging');
    expect(await banner(await request('GET', '/v1/flags', { 'X-Switchyard-Environment': 'prod' }))).toBe('Hello from prod');
    const unknown = await request('GET', withEnv('/v1/flags', 'qa'));
    expect({ status: unknown.status, body: await unknown.json() }).toEqual({ status: 404, body: { error: 'no environment "qa"' } });
  });

  it('with one environment, answers from it without a name', async () => {
    const request = await serve(['default']);
    expect(await banner(await request('GET', '/v1/flags'))).toBe('Hello from default');
    expect((await request('POST', '/ofrep/v1/evaluate/flags/banner', {})).status).toBe(200);
  });
});
