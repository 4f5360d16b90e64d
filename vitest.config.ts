import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Integration suites spawn their own memcached processes on free ports; two cores here.
    maxWorkers: 2,
    // The proxy logs to stderr; tests that check log lines set up their own logger.
    // The proxy's --config-dump-root default (/var/mcrouter/config) is redirected to a temp dir.
    env: {
      MCPROXY_LOG_LEVEL: 'silent',
      MCPROXY_CONFIG_DUMP_ROOT: join(tmpdir(), 'mcproxy-test-config-dumps'),
    },
  },
});
