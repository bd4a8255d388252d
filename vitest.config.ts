// Loaded with `vitest --configLoader runner` (scripts/test.sh): the browser commands import the TypeScript test utilities.
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import * as flagServer from './packages/web/test/commands.js';

// One run, several projects: Node, and real Chromium (Debian's, installed by scripts/test.sh);
// workerd and edge-runtime join as their own projects.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
          exclude: ['**/*.browser.test.ts', '**/node_modules/**'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'chromium',
          include: ['packages/*/test/**/*.browser.test.ts'],
          testTimeout: 30_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            instances: [{ browser: 'chromium' }],
            provider: playwright({
              launchOptions: {
                executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
                // Without the background-networking flags Chromium floods the closed network.
                args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
              },
            }),
            commands: { ...flagServer },
          },
        },
      },
    ],
  },
});
