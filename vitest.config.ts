// The repository's own scripts (scripts/test); every workspace has a vitest.config.ts of its own.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['scripts/test/**/*.test.ts'] },
});
