import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    // The process clock a year away: a deciding path that reads it instead of its injected clock fails (test/clock-guard.test.ts).
    setupFiles: ['./test/support/process-clock.ts', './test/support/no-real-aws.ts', './test/support/property-seed.ts'],
    environment: 'node',
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 30_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
