// Shared vitest settings: every workspace's vitest.config.ts starts from these.
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources in tests, so tests never need a build.
const conditions = ['@taller/source'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
