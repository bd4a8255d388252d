/** Bounds on untrusted documents: exceeding one rejects the document with a clear error, never a crash. */
export interface Limits {
  /** Largest document accepted as text, in UTF-16 code units (≈ bytes for JSON). */
  readonly maxDocumentLength: number;
  /** Deepest nesting of arrays/objects anywhere in the document. */
  readonly maxDepth: number;
  /** Most flags in one document. */
  readonly maxFlags: number;
}

export const DEFAULT_LIMITS: Limits = /* @__PURE__ */ Object.freeze({
  maxDocumentLength: 32 * 1024 * 1024,
  maxDepth: 64,
  maxFlags: 100_000,
});
