import { OpenFeatureEventEmitter, ProviderEvents, type EvaluationContext, type JsonValue, type Provider, type ResolutionDetails } from '@openfeature/server-sdk';
import { EdgeFlags } from './flags.js';
import type { EdgeFlagsOptions, WaitUntil } from './options.js';

/**
 * OpenFeature server provider for edge workers, on top of `EdgeFlags`. `@openfeature/server-sdk`
 * imports `node:events`: on Cloudflare Workers enable the `nodejs_compat` compatibility flag.
 * Workers forbid I/O outside a request, so `initialize` never fetches: give a `fallback`, and call
 * `provider.refresh(ctx)` at the start of each request.
 */
export class SwitchyardEdgeProvider implements Provider {
  readonly metadata = { name: 'switchyard-edge' } as const;
  readonly runsOn = 'server';
  readonly events = new OpenFeatureEventEmitter();
  readonly flags: EdgeFlags;

  constructor(options: EdgeFlagsOptions) {
    this.flags = new EdgeFlags({
      ...options,
      onChange: (flagsChanged) => {
        options.onChange?.(flagsChanged);
        this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [...flagsChanged] });
      },
    });
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
