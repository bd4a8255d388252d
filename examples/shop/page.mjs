// The demo page: @switchyard/web evaluates every flag in the browser against definitions streamed from
// `switchyard serve`; OpenFeature's web SDK is the API the page uses.
import { OpenFeature, ProviderEvents } from '@openfeature/web-sdk';
import { SwitchyardWebProvider } from '@switchyard/web';

const PERSONAS = [
  { targetingKey: 'user-ada', email: 'ada@switchyard.dev', label: 'Ada — ada@switchyard.dev (internal)' },
  { targetingKey: 'user-bob', email: 'bob@customer.org', label: 'Bob — bob@customer.org' },
  { targetingKey: 'user-chen', email: 'chen@customer.org', label: 'Chen — chen@customer.org' },
];
const FLAGS = [
  ['checkout-enabled', 'boolean', false],
  ['new-checkout', 'boolean', false],
  ['internal-preview', 'boolean', false],
  ['banner-text', 'string', ''],
];
const SHOPPERS = Array.from({ length: 100 }, (_, i) => ({ targetingKey: `shopper-${i}` }));

const $ = (id) => document.getElementById(id);
const client = OpenFeature.getClient();
let provider;
let persona = PERSONAS[0];
let pending; // { what, at } of the last button press, to show how long the change took
let previouslyIn; // the shoppers in at the last render

function details(key, type, fallback) {
  return type === 'string' ? client.getStringDetails(key, fallback) : client.getBooleanDetails(key, fallback);
}

function render() {
  const flags = Object.fromEntries(FLAGS.map(([key, type, fallback]) => [key, details(key, type, fallback)]));
  $('flags').replaceChildren(...FLAGS.map(([key]) => {
    const row = document.createElement('tr');
    row.dataset.flag = key;
    for (const [cls, text] of [['key', key], ['value', JSON.stringify(flags[key].value)], ['variant', flags[key].variant ?? '—'], ['reason', flags[key].reason]]) {
      const cell = document.createElement('td');
      cell.className = cls;
      cell.textContent = text;
      row.append(cell);
    }
    return row;
  }));
  const enabled = flags['checkout-enabled'].value;
  $('checkout').disabled = !enabled;
  $('checkout').classList.toggle('new', flags['new-checkout'].value);
  $('checkout').textContent = flags['new-checkout'].value ? 'Checkout (new, one page)' : 'Checkout';
  $('paused').hidden = enabled;
  $('kill').textContent = enabled ? 'Kill switch: pause checkout' : 'Kill switch: resume checkout';
  $('kill').dataset.on = String(!enabled);
  $('toolbar').hidden = !flags['internal-preview'].value;
  $('banner').textContent = flags['banner-text'].value;
  renderShoppers();
}

/** The rollout, user by user: the provider evaluates locally, so 100 contexts cost microseconds. */
function renderShoppers() {
  const inNow = new Set(SHOPPERS.filter((s) => provider.resolveBooleanEvaluation('new-checkout', false, s).value).map((s) => s.targetingKey));
  const before = previouslyIn ?? inNow;
  const stayed = [...before].filter((k) => inNow.has(k)).length;
  $('grid').replaceChildren(...SHOPPERS.map((s) => {
    const cell = document.createElement('span');
    cell.dataset.shopper = s.targetingKey;
    cell.className = `${inNow.has(s.targetingKey) ? 'on' : ''} ${inNow.has(s.targetingKey) && !before.has(s.targetingKey) ? 'joined' : ''}`;
    cell.title = s.targetingKey;
    return cell;
  }));
  $('in-count').textContent = String(inNow.size);
  $('sticky').textContent = `${stayed} of the ${before.size} who were in are still in`;
  previouslyIn = inNow;
}

async function press(body, what) {
  pending = { what, at: performance.now() };
  const res = await fetch('/api/flags', { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) $('changed').textContent = `The shop refused: ${(await res.json()).error}`;
}

async function checkout() {
  const res = await fetch('/api/checkout', { method: 'POST', body: JSON.stringify({ targetingKey: persona.targetingKey, email: persona.email }) });
  const body = await res.json();
  $('order').textContent = body.accepted
    ? `Order accepted by the server (${body.checkout} checkout; checkout-enabled: ${body.details.variant}, ${body.details.reason}).`
    : res.status === 500
      ? `The order failed in the ${body.checkout} checkout (HTTP 500, reported with client.track('error')).`
      : `The server refused the order: HTTP ${res.status} (checkout-enabled: ${body.details.variant}, ${body.details.reason}).`;
}

/** The guard's numbers, polled from the shop while the page is open. */
async function renderGuard() {
  const g = await (await fetch('/api/guard')).json();
  $('traffic').textContent = g.traffic ? `Stop simulated shoppers (${g.orders} orders, ${g.failed} failed)` : 'Start simulated shoppers (50 orders/s)';
  $('traffic').dataset.on = String(!g.traffic);
  $('break').textContent = g.broken ? 'Mend the new checkout' : 'Break the new checkout (20% of its orders fail)';
  $('break').dataset.on = String(!g.broken);
  $('guard-stats').replaceChildren(...Object.values(g.stats).map((arm) => {
    const row = document.createElement('tr');
    row.dataset.variant = arm.variant;
    for (const text of [arm.variant, arm.evaluations, arm.errors, `${(arm.errorRate * 100).toFixed(1)}%`]) row.append(Object.assign(document.createElement('td'), { textContent: String(text) }));
    return row;
  }));
  if (g.rollback) $('rollback').textContent = `${new Date(g.rollback.at).toLocaleTimeString()}: ${g.rollback.message}`;
}

function setStatus(status, message = '') {
  $('status').textContent = status;
  $('status').className = status;
  $('status').title = message;
}

async function main() {
  $('persona').replaceChildren(...PERSONAS.map((p, i) => Object.assign(document.createElement('option'), { value: String(i), textContent: p.label })));
  $('persona').addEventListener('change', async (e) => {
    persona = PERSONAS[Number(e.target.value)];
    await OpenFeature.setContext({ targetingKey: persona.targetingKey, email: persona.email });
    render();
  });
  $('checkout').addEventListener('click', checkout);
  const traffic = (body) => fetch('/api/traffic', { method: 'POST', body: JSON.stringify(body) }).then(renderGuard);
  $('traffic').addEventListener('click', () => traffic({ traffic: $('traffic').dataset.on === 'true' }));
  $('break').addEventListener('click', () => traffic({ broken: $('break').dataset.on === 'true' }));
  setInterval(() => void renderGuard().catch(() => {}), 500);
  void renderGuard();
  $('kill').addEventListener('click', () => press({ key: 'checkout-enabled', on: $('kill').dataset.on === 'true' }, 'kill switch'));
  for (const b of document.querySelectorAll('[data-variant]')) b.addEventListener('click', () => press({ key: 'banner-text', variant: b.dataset.variant }, `banner ${b.dataset.variant}`));
  for (const b of document.querySelectorAll('[data-percent]')) b.addEventListener('click', () => press({ key: 'new-checkout', percent: Number(b.dataset.percent) }, `rollout ${b.dataset.percent}%`));

  const { switchyardUrl } = await (await fetch('/api/config')).json();
  provider = new SwitchyardWebProvider({ url: switchyardUrl });
  OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, ({ flagsChanged }) => {
    const took = pending ? ` — ${pending.what} applied ${Math.round(performance.now() - pending.at)} ms after the click (file → switchyard serve → SSE → this page)` : '';
    $('changed').textContent = `Changed at ${new Date().toLocaleTimeString()}: ${flagsChanged.join(', ')}${took}`;
    pending = undefined;
    $('order').textContent = ''; // an earlier order's answer may no longer hold
    render();
  });
  OpenFeature.addHandler(ProviderEvents.Ready, () => setStatus('READY'));
  OpenFeature.addHandler(ProviderEvents.Stale, ({ message }) => setStatus('STALE', message));
  OpenFeature.addHandler(ProviderEvents.Error, ({ message }) => setStatus('ERROR', message));
  await OpenFeature.setContext({ targetingKey: persona.targetingKey, email: persona.email });
  await OpenFeature.setProviderAndWait(provider);
  setStatus('READY');
  render();
}

main().catch((error) => setStatus('ERROR', String(error)));
