import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Latency measurements need the cores to themselves: left out of the main run, they run alone
 * afterwards (`npm run test:latency` sets MCPROXY_TEST_LATENCY=1; test/fault/polite-latency.test.ts).
 */
const LATENCY_TESTS = ['test/fault/polite-latency.test.ts'];
const latencyRun = process.env.MCPROXY_TEST_LATENCY === '1';

export default defineConfig({
  test: {
    include: latencyRun ? LATENCY_TESTS : ['test/**/*.test.ts'],
    exclude: latencyRun ? configDefaults.exclude : [...configDefaults.exclude, ...LATENCY_TESTS],
    reporters: ['default', './test/summary-reporter.ts'],
    // Upper bounds, not expectations: a test that starts three 2-worker proxies (the second
    // pass, MCPROXY_TEST_NUM_PROXIES=2) on a loaded 2-core machine took more than 20 s.
    testTimeout: 60_000,
    hookTimeout: 60_000,
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
