import {
  GeneralError,
  OpenFeatureEventEmitter,
  ParseError,
  ProviderFatalError,
  type EvaluationContext,
  type JsonValue,
  type Provider,
  type ProviderEvents,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import { ProviderLifecycle, toOpenFeatureError } from '@switchyard/core';
import { EdgeFlags } from './flags.js';
import type { EdgeFlagsOptions, WaitUntil } from './options.js';

const openFeatureError = (e: unknown) => toOpenFeatureError(e, { ProviderFatalError, ParseError, GeneralError });

/**
 * OpenFeature server provider for edge workers, on top of `EdgeFlags`, with the same lifecycle and
 * events as the other Switchyard providers. `@openfeature/server-sdk` imports `node:events`: on
 * Cloudflare Workers enable the `nodejs_compat` compatibility flag. Workers forbid I/O outside a
 * request: give a `bootstrap` (then `initialize` does no I/O), or set the provider inside a request
 * (then `initialize` fetches once); call `provider.refresh(ctx)` at the start of each request.
 */
export class SwitchyardEdgeProvider implements Provider {
  readonly metadata = { name: 'switchyard-edge' } as const;
  readonly runsOn = 'server';
  readonly events = new OpenFeatureEventEmitter();
  readonly flags: EdgeFlags;
  private readonly lifecycle: ProviderLifecycle;

  constructor(options: EdgeFlagsOptions) {
    try {
      this.flags = new EdgeFlags(options);
    } catch (e) {
      throw openFeatureError(e);
    }
    this.lifecycle = new ProviderLifecycle(this.flags.engine, (event, details) => this.events.emit(event as ProviderEvents, details));
  }

  /** Without a bootstrap: one fetch (inside a request), failing at once if it brings nothing to serve. */
  async initialize(): Promise<void> {
    if (!this.flags.snapshot) await this.flags.refresh();
    try {
      await this.lifecycle.initialize({ wait: false });
    } catch (e) {
      throw openFeatureError(e);
    }
  }

  async onClose(): Promise<void> {
    await this.lifecycle.close();
  }

  /** See `EdgeFlags.refresh`. */
  refresh(ctx?: WaitUntil): Promise<void> {
    return this.flags.refresh(ctx);
  }

  async resolveBooleanEvaluation(key: string, fallback: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    return this.flags.resolveBooleanEvaluation(key, fallback, context) as ResolutionDetails<boolean>;
  }

  async resolveStringEvaluation(key: string, fallback: string, context: EvaluationContext): Promise<ResolutionDetails<string>> {
    return this.flags.resolveStringEvaluation(key, fallback, context) as ResolutionDetails<string>;
  }

  async resolveNumberEvaluation(key: string, fallback: number, context: EvaluationContext): Promise<ResolutionDetails<number>> {
    return this.flags.resolveNumberEvaluation(key, fallback, context) as ResolutionDetails<number>;
  }

  async resolveObjectEvaluation<T extends JsonValue>(key: string, fallback: T, context: EvaluationContext): Promise<ResolutionDetails<T>> {
    return this.flags.resolve(key, 'object', fallback, context) as ResolutionDetails<T>;
  }
}

export { EdgeFlags };
export type { EdgeFlagsOptions, WaitUntil };
