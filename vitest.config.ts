import { defineConfig } from 'vitest/config';

// One run, several projects: later runtimes (Chromium, workerd, edge-runtime) join as their own projects.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['packages/*/test/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
