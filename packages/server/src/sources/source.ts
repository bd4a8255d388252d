/** Receives what a source reads: raw document text, or a failure to read it. */
export interface SourceSink {
  update(text: string): void;
  error(error: Error): void;
}

/**
 * Where an environment's flag document comes from (a file now; AppConfig later). A source only
 * delivers bytes: validation, diffing and publishing belong to the environment.
 */
export interface FlagSource {
  /** Shown in logs and the audit trail, e.g. `file:/etc/flags/production.json`. */
  readonly description: string;
  /** Starts watching; resolves once the first read has been delivered (or failed). */
  start(sink: SourceSink): Promise<void>;
  stop(): Promise<void>;
}
