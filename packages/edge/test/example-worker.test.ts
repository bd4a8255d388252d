import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwitchyardProvider } from '@switchyard/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { edgeRuntime, eventually, EXAMPLE, startFlagServer, startOrigin, workerd, type Env, type RunningWorker } from './harness.js';

// The example blue/green worker (examples/edge) in real workerd and in Vercel's edge-runtime, fetching
// its flags from a real Switchyard server on 127.0.0.1 and proxying to two real origins.
const FLAGS = JSON.parse(readFileSync(join(EXAMPLE, 'flags.json'), 'utf8'));
const withKillSwitch = (on: boolean) => ({ ...FLAGS, flags: { ...FLAGS.flags, 'edge-kill-switch': { ...FLAGS.flags['edge-kill-switch'], defaultVariant: on ? 'on' : 'off' } } });
const cookie = (user: string) => `theme=dark; sy_uid=${user}`;

let blue: Awaited<ReturnType<typeof startOrigin>>;
let green: Awaited<ReturnType<typeof startOrigin>>;
beforeAll(async () => {
  [blue, green] = await Promise.all([startOrigin('blue'), startOrigin('green')]);
});
afterAll(async () => {
  await Promise.all([blue.close(), green.close()]);
});

describe.each([
  ['workerd (Cloudflare Workers)', workerd()],
  ['edge-runtime (Vercel Edge)', edgeRuntime],
])('example worker in %s', (_name, runtime) => {
  let flags: Awaited<ReturnType<typeof startFlagServer>>;
  let worker: RunningWorker | undefined;
  const start = async (overrides: Partial<Env> = {}) => {
    worker = await runtime({ FLAGS_URL: flags.url, FLAGS_KEY: 'edge-key', FLAGS_TTL_MS: '300', BLUE_ORIGIN: blue.url, GREEN_ORIGIN: green.url, ...overrides });
    return worker;
  };
  beforeAll(async () => {
    flags = await startFlagServer(withKillSwitch(false));
  });
  afterEach(async () => {
    await worker?.close();
    worker = undefined;
    flags.write(withKillSwitch(false));
    await flags.restart(); // a test may have stopped it
  });
  afterAll(async () => {
    await flags.stop();
  });

  it('gives a new user a cookie and keeps each user on one origin; about half go green', async () => {
    const w = await start();
    const first = await w.fetch('/checkout?step=1');
    expect(first.status).toBe(200);
    expect(first.setCookie).toMatch(/^sy_uid=[\w-]+; Path=\/; Max-Age=31536000; HttpOnly; Secure; SameSite=Lax$/);
    expect(first.body).toBe(`${first.origin} /checkout?step=1`); // proxied to the origin it names
    const user = /sy_uid=([\w-]+)/.exec(first.setCookie!)![1];
    for (let i = 0; i < 3; i++) {
      const again = await w.fetch('/', cookie(user));
      expect(again.origin).toBe(first.origin);
      expect(again.setCookie).toBeNull();
    }
    let greens = 0;
    for (let i = 0; i < 200; i++) if ((await w.fetch('/', cookie(`stable-${i}`))).origin === 'green') greens++;
    expect(greens).toBeGreaterThan(60);
    expect(greens).toBeLessThan(140);
    for (let i = 0; i < 200; i += 20) expect((await w.fetch('/', cookie(`stable-${i}`))).origin).toBe((await w.fetch('/', cookie(`stable-${i}`))).origin);
  });

  it('buckets users exactly as the Node provider does', async () => {
    const w = await start();
    const node = new SwitchyardProvider({ source: { type: 'file', path: flags.file } });
    await node.initialize();
    try {
      for (let i = 0; i < 150; i++) {
        const user = `parity-${i}-${(i * 7919).toString(36)}`;
        const expected = node.evaluator.getStringValue('edge-origin', 'blue', { targetingKey: user });
        const got = await w.fetch('/', cookie(user));
        expect(got.origin, user).toBe(expected);
        expect(got.flag).toBe(`edge-origin=${expected} (TARGETING_MATCH)`);
      }
    } finally {
      await node.onClose();
    }
  });

  it('picks up the kill switch after the TTL and keeps serving it while the backend is down', async () => {
    const w = await start();
    let greenUser = '';
    for (let i = 0; !greenUser; i++) if ((await w.fetch('/', cookie(`kill-${i}`))).origin === 'green') greenUser = `kill-${i}`;

    flags.write(withKillSwitch(true));
    const killed = await eventually(() => w.fetch('/', cookie(greenUser)), (r) => r.origin === 'blue');
    expect(killed).toMatchObject({ origin: 'blue', flag: 'edge-kill-switch=on', body: 'blue /' });

    await flags.stop();
    const refused = flags.refused();
    // Requests past the TTL revalidate against the dead backend (the gate counts them) and still serve.
    const served = await eventually(() => w.fetch('/', cookie(greenUser)), () => flags.refused() >= refused + 3);
    expect(flags.refused()).toBeGreaterThanOrEqual(refused + 3);
    expect(served).toMatchObject({ status: 200, origin: 'blue', flag: 'edge-kill-switch=on' }); // the last snapshot, not the bootstrap

    await flags.restart();
    flags.write(withKillSwitch(false));
    const back = await eventually(() => w.fetch('/', cookie(greenUser)), (r) => r.origin === 'green');
    expect(back.flag).toBe('edge-origin=green (TARGETING_MATCH)');
  });

  it('answers the first request from the bundled bootstrap when the server cannot be reached', async () => {
    await flags.stop();
    const w = await start();
    const first = await w.fetch('/', cookie('offline-user'));
    expect(first.status).toBe(200);
    expect(first.flag).toMatch(/^edge-origin=(blue|green) \(TARGETING_MATCH\)$/);
  });
});

describe('workerd platform cache', () => {
  it('a cold isolate starts from the document another one cached, even with the server down', async () => {
    const flags = await startFlagServer(withKillSwitch(true));
    const cacheDir = mkdtempSync(join(tmpdir(), 'switchyard-edge-cache-'));
    const env = { FLAGS_URL: flags.url, FLAGS_KEY: 'edge-key', FLAGS_TTL_MS: '300', BLUE_ORIGIN: blue.url, GREEN_ORIGIN: green.url };
    const warm = await workerd(cacheDir)(env);
    try {
      const seen = await eventually(() => warm.fetch('/', cookie('u1')), (r) => r.flag === 'edge-kill-switch=on');
      expect(seen.flag).toBe('edge-kill-switch=on');
    } finally {
      await warm.close();
      await flags.stop();
    }
    const cold = await workerd(cacheDir)(env);
    try {
      // The bundled bootstrap has the kill switch off; the cached document has it on.
      expect((await cold.fetch('/', cookie('u1'))).flag).toBe('edge-kill-switch=on');
    } finally {
      await cold.close();
    }
    const uncached = await workerd(mkdtempSync(join(tmpdir(), 'switchyard-edge-cache-')))(env);
    try {
      expect((await uncached.fetch('/', cookie('u1'))).flag).not.toBe('edge-kill-switch=on'); // without it: the bootstrap
    } finally {
      await uncached.close();
    }
  });
});
