/** Bounds on untrusted documents: exceeding one rejects the document with a clear error, never a crash. */
export interface Limits {
  /** Largest document accepted as text, in UTF-16 code units (≈ bytes for JSON). */
  readonly maxDocumentLength: number;
  /** Deepest nesting of arrays/objects anywhere in the document. */
  readonly maxDepth: number;
  /** Most flags in one document. */
  readonly maxFlags: number;
}

/** The default `maxDocumentLength`, alone: the bytes read of a body by default too (bundles that need no other limit). */
export const MAX_DOCUMENT_LENGTH = 32 * 1024 * 1024;

export const DEFAULT_LIMITS: Limits = /* @__PURE__ */ Object.freeze({
  maxDocumentLength: MAX_DOCUMENT_LENGTH,
  maxDepth: 64,
  maxFlags: 100_000,
});
