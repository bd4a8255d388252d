import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { SyncSink, SyncSource, Translator } from '@switchyard/core';

const MISSING = 'missing';

export interface FileSourceOptions {
  /** Quiet time after the last change event before reading (editors write in bursts). Default 30 ms. */
  readonly debounceMs?: number;
  /** Safety-net re-check interval for filesystems where watch events go missing. Default 2,000 ms. */
  readonly pollIntervalMs?: number;
  /** For files in another format (AWS AppConfig's): how their content becomes a flagd document. */
  readonly translate?: Translator;
}

/**
 * Watches one flag file. The directory is watched, not the file, so editors that save by writing a
 * temporary file and renaming it over the original are seen. A read is used only when the file did not
 * change while being read (size and mtime identical before and after), so a write in progress is never
 * delivered; the next event or poll picks up the finished file. A missing file or directory is reported
 * (and keeps being checked), never thrown. Used by the Node provider and by `switchyard serve`.
 */
export class FileSource implements SyncSource {
  readonly path: string;
  readonly description: string;
  readonly translate?: Translator;
  private watcher?: FSWatcher;
  private poll?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  private lastSignature = '';
  private reading: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    path: string,
    private readonly options: FileSourceOptions = {},
  ) {
    this.path = resolve(path);
    this.description = `file:${this.path}`;
    this.translate = options.translate;
  }

  /** Starts watching; settles once the first read is done. Never rejects: problems go to the sink. */
  async start(sink: SyncSink): Promise<void> {
    this.stopped = false;
    this.watchDirectory(sink);
    this.poll = setInterval(() => void this.check(sink, 'poll'), this.options.pollIntervalMs ?? 2000);
    this.poll.unref();
    await this.check(sink, 'start');
  }

  /**
   * Watches the directory (editors save by renaming over the file). A directory that is missing now,
   * or removed and created again later, is watched again once the file is found by a poll: a watcher
   * on a deleted directory hears nothing.
   */
  private watchDirectory(sink: SyncSink): void {
    this.watcher?.close();
    this.watcher = undefined;
    const name = basename(this.path);
    try {
      this.watcher = watch(dirname(this.path), { persistent: false }, (_event, file) => {
        if (file === null || file === name) this.schedule(sink);
      });
      this.watcher.on('error', (e) => sink.unreachable(new Error(`cannot watch ${dirname(this.path)}: ${e.message}`)));
    } catch (e) {
      // No directory (yet), or no watch support: the poll still finds the file when it appears.
      sink.unreachable(new Error(`cannot watch ${dirname(this.path)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; checking every ${this.options.pollIntervalMs ?? 2000} ms`));
    }
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    clearInterval(this.poll);
    clearTimeout(this.debounce);
    return this.reading;
  }

  private schedule(sink: SyncSink): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.check(sink, 'event'), this.options.debounceMs ?? 30);
    this.debounce.unref();
  }

  /** Reads the file if it changed since the last delivery; serialised so reads never overlap. */
  private check(sink: SyncSink, reason: 'start' | 'event' | 'poll'): Promise<void> {
    const force = reason === 'start';
    this.reading = this.reading.then(async () => {
      if (this.stopped) return;
      try {
        const before = await stat(this.path);
        const signature = `${before.size}:${before.mtimeMs}:${before.ino}`;
        if (!force && signature === this.lastSignature) return;
        const text = await readFile(this.path, 'utf8');
        const after = await stat(this.path);
        if (`${after.size}:${after.mtimeMs}:${after.ino}` !== signature || Buffer.byteLength(text) !== after.size) {
          this.schedule(sink); // still being written
          return;
        }
        const wasMissing = this.lastSignature === MISSING;
        this.lastSignature = signature;
        if (wasMissing || this.watcher === undefined) this.watchDirectory(sink); // the directory may be a new one
        sink.payload(text);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === 'ENOENT') {
          // Between an editor's unlink and rename the file is briefly absent: only a poll that still
          // finds it missing reports it, once; the last good document keeps being served meanwhile.
          if (reason === 'event' || this.lastSignature === MISSING) return;
          this.lastSignature = MISSING;
        } else {
          this.lastSignature = '';
        }
        sink.unreachable(new Error(`cannot read ${this.path}: ${err.code ?? err.message}`));
      }
    });
    return this.reading;
  }
}
