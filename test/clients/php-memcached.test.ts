/** The client battery with php-memcached (Debian php-cli + php-memcached, on libmemcached), ASCII and binary. */
import { describeClientBattery } from './client-battery.js';
import { scriptPath } from './scripts.js';

describeClientBattery({
  client: 'php-memcached',
  modes: ['ascii', 'binary'],
  prepare: () => Promise.resolve(['php', scriptPath('php_memcached_battery.php')]),
  ownOutcomes: {
    binary: {
      add: {
        expect: 'stored,exists,1',
        why: 'binary add of an existing key answers Key exists (memcached/proto_bin.c)',
      },
      replace: {
        expect: 'not_found,stored,new',
        why: 'binary replace of a missing key answers Key not found (memcached/proto_bin.c)',
      },
    },
  },
});
