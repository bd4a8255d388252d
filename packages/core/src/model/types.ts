/** JSON values as they appear in flag documents. */
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A variant's value: one type per flag. */
export type FlagValue = boolean | string | number | JsonObject;
export type FlagValueType = 'boolean' | 'string' | 'number' | 'object';

/** The evaluation context, as OpenFeature passes it (`targetingKey` plus any attributes). */
export type EvaluationContext = { readonly targetingKey?: string; readonly [key: string]: unknown };

/** OpenFeature resolution reasons used by flagd. */
export type ResolutionReason = 'STATIC' | 'DEFAULT' | 'TARGETING_MATCH' | 'DISABLED' | 'CACHED' | 'SPLIT' | 'ERROR';

/** OpenFeature error codes (same string values as `@openfeature/core`'s `ErrorCode`). */
export type ErrorCode =
  | 'PROVIDER_NOT_READY'
  | 'PROVIDER_FATAL'
  | 'FLAG_NOT_FOUND'
  | 'PARSE_ERROR'
  | 'TYPE_MISMATCH'
  | 'TARGETING_KEY_MISSING'
  | 'INVALID_CONTEXT'
  | 'GENERAL';

export type MetadataValue = string | number | boolean;
export type FlagMetadata = Readonly<Record<string, MetadataValue>>;

/** What an evaluation returns: OpenFeature's ResolutionDetails plus flag metadata. */
export interface ResolutionDetails<T> {
  readonly value: T;
  readonly variant?: string;
  readonly reason: ResolutionReason;
  readonly errorCode?: ErrorCode;
  readonly errorMessage?: string;
  readonly flagMetadata: FlagMetadata;
}

export type FlagState = 'ENABLED' | 'DISABLED';
