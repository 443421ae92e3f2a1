import { defineConfig } from 'vitest/config';

/**
 * End-to-end tests: build the demo site (random model, offline) with an extra set of hostile
 * text and a base path, serve it from 127.0.0.1, and check it in headless Chromium.
 *   npx vitest run --config vitest.e2e.config.ts
 */
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.test.ts'],
    globalSetup: ['tests/e2e/build-site.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
