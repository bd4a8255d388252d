import { childPath, ROOT } from './issues.js';

/**
 * A JSON path kept as a stack of keys while walking a document, turned into text only when an error is
 * reported: building path strings for every node is most of the cost of loading 10,000 flags.
 */
export class PathStack {
  private readonly keys: (string | number)[];

  constructor(...start: (string | number)[]) {
    this.keys = start;
  }

  push(key: string | number): void {
    this.keys.push(key);
  }

  pop(): void {
    this.keys.pop();
  }

  /** The path as text (`flags.new-checkout.targeting.if[2]`), optionally with one more key. */
  toString(extra?: string | number): string {
    const path = this.keys.reduce<string>((p, k) => childPath(p, k), ROOT);
    return extra === undefined ? path : childPath(path, extra);
  }
}
