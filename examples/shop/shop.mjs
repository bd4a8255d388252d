// The shop: a small Node server. It serves the page (bundled with esbuild at start-up), takes orders —
// gated server-side by the `checkout-enabled` kill switch through @switchyard/node and OpenFeature, and
// watched by a RolloutGuard that rolls `new-checkout` back when its orders fail — and applies the
// page's flag buttons to the flag file.
import { OpenFeature } from '@openfeature/server-sdk';
import { SwitchyardProvider } from '@switchyard/node';
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { changeFlag } from './flag-file.mjs';
import { createOrders } from './orders.mjs';

const here = new URL('.', import.meta.url);

async function bundlePage() {
  const result = await build({ entryPoints: [new URL('page.mjs', here).pathname], bundle: true, format: 'esm', platform: 'browser', minify: true, write: false, logLevel: 'silent' });
  return result.outputFiles[0].text;
}

const readBody = async (req) => {
  let body = '';
  for await (const chunk of req) if ((body += chunk).length > 10_000) throw new Error('body too large');
  return body ? JSON.parse(body) : {};
};

const send = (res, status, body, type = 'application/json') => {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(type === 'application/json' ? JSON.stringify(body) : body);
};

/** Starts the shop on `port` (0: any free port); `connect(url)` then points it at `switchyard serve`. */
export async function startShop({ port, host = '127.0.0.1', flagsFile }) {
  const [html, script] = await Promise.all([readFile(new URL('index.html', here), 'utf8'), bundlePage()]);
  const client = OpenFeature.getClient('shop');
  const orders = createOrders(client);
  let switchyardUrl;

  const routes = {
    'GET /': (_req, res) => send(res, 200, html, 'text/html; charset=utf-8'),
    'GET /page.js': (_req, res) => send(res, 200, script, 'text/javascript; charset=utf-8'),
    'GET /api/config': (_req, res) => send(res, 200, { switchyardUrl }),
    // An order: the server decides with its own provider, whatever the page showed.
    'POST /api/checkout': async (req, res) => {
      const { targetingKey, email } = await readBody(req);
      const result = await orders.order({ targetingKey: String(targetingKey ?? ''), email: String(email ?? '') });
      const { value, variant, reason } = result.details;
      send(res, value ? (result.accepted ? 200 : 500) : 503, { accepted: result.accepted, checkout: result.checkout, details: { value, variant, reason } });
    },
    'GET /api/guard': (_req, res) => send(res, 200, orders.status()),
    'POST /api/traffic': async (req, res) => {
      orders.set(await readBody(req));
      send(res, 200, orders.status());
    },
    'POST /api/flags': async (req, res) => {
      const { key, ...change } = await readBody(req);
      await changeFlag(flagsFile, key, change);
      send(res, 202, { written: flagsFile });
    },
  };

  const server = createServer((req, res) => {
    const route = routes[`${req.method} ${req.url}`];
    if (!route) return send(res, 404, { error: 'not found' });
    Promise.resolve(route(req, res)).catch((error) => send(res, 400, { error: error.message }));
  });
  await new Promise((resolve, reject) => {
    server.once('error', (e) => reject(e.code === 'EADDRINUSE' ? new Error(`port ${port} is in use: set SHOP_PORT to another port`) : e));
    server.listen(port, host, resolve);
  });
  const url = `http://${host}:${server.address().port}`;

  return {
    url,
    async connect(serveUrl) {
      switchyardUrl = serveUrl;
      const provider = new SwitchyardProvider({ source: { type: 'sse', url: serveUrl } });
      await OpenFeature.setProviderAndWait('shop', provider);
      orders.guard(provider, serveUrl);
    },
    async close() {
      orders.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await OpenFeature.close();
    },
  };
}
