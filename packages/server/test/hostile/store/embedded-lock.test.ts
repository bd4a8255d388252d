import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@switchyard/test-utils/node';
import { EmbeddedClient } from '../../../src/index.js';

// A lock left by a killed process holds that process's pid. In a container the restarted server very
// often gets the very same pid (pid 1, or the same small number): the lock then names a live process —
// itself — and the data directory is refused for good.
describe('attack: the embedded lock file after kill -9', () => {
  it('a stale lock naming this very process (same pid after a container restart) is taken over', async () => {
    const dir = join(tempDir(), 'embedded');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'switchyard.lock'), String(process.pid));
    const opened = await EmbeddedClient.open(dir).then(
      async (c) => {
        await c.close();
        return 'opened';
      },
      (e: Error) => e.message,
    );
    expect(opened).toBe('opened');
  }, 60_000);
});
