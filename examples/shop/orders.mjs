// Orders, real (the page's Checkout button) and simulated (background shoppers), through the same code:
// the kill switch decides whether an order is taken, `new-checkout` which checkout runs, and a failed
// order is reported with OpenFeature's tracking API — which is what the RolloutGuard watches.
import { RolloutGuard } from '@switchyard/node';

const SHOPPERS = 200;
const ORDERS_PER_SECOND = 50;

export function createOrders(client) {
  const state = { traffic: false, broken: false, orders: 0, failed: 0 };
  let guard;
  let decision;
  let timer;

  /**
   * Takes one order for `context`. `broken` makes the new checkout fail 20% of its orders; simulated
   * orders also fail 1% of the time in either checkout (the baseline the guard compares against).
   */
  async function order(context, simulated = false) {
    const enabled = await client.getBooleanDetails('checkout-enabled', false, context);
    if (!enabled.value) return { accepted: false, details: enabled };
    const flow = (await client.getBooleanValue('new-checkout', false, context)) ? 'new' : 'classic';
    const failRate = flow === 'new' && state.broken ? 0.2 : simulated ? 0.01 : 0;
    const failed = Math.random() < failRate;
    if (failed) client.track('error', context);
    return { accepted: !failed, failed, checkout: flow, details: enabled };
  }

  return {
    order,
    /** Watches new-checkout from now on; rollbacks go to `switchyard serve` for every instance. */
    guard(provider, switchyardUrl) {
      guard = new RolloutGuard(provider, {
        flags: ['new-checkout'],
        minSamples: 100,
        coolDownMs: 10_000, // short for the demo: roll out again (a rollout button) and break it again
        report: { url: switchyardUrl },
        onRollback: (d) => (decision = d),
        logger: { warn: (m) => console.log(`[shop] ${m}`), error: (m) => console.error(`[shop] ${m}`) },
      });
      client.addHooks(guard);
    },
    /** Starts or stops the simulated shoppers, and breaks or mends the new checkout. */
    set({ traffic, broken }) {
      if (typeof broken === 'boolean') state.broken = broken;
      if (typeof traffic === 'boolean' && traffic !== state.traffic) {
        state.traffic = traffic;
        clearInterval(timer);
        if (traffic) {
          timer = setInterval(async () => {
            const result = await order({ targetingKey: `shopper-${Math.floor(Math.random() * SHOPPERS)}` }, true);
            state.orders++;
            if (result.failed) state.failed++;
          }, 1000 / ORDERS_PER_SECOND);
        }
      }
    },
    status() {
      return { ...state, stats: guard?.stats()['new-checkout'] ?? {}, rollback: decision && { at: decision.at, message: decision.message } };
    },
    close() {
      clearInterval(timer);
      guard?.close();
    },
  };
}
