/** The client battery with Dalli 3.0 (Debian ruby-dalli, binary protocol), run by /usr/bin/ruby. */
import { describeClientBattery } from './client-battery.js';
import { scriptPath } from './scripts.js';

describeClientBattery({
  client: 'dalli',
  modes: ['binary'],
  prepare: () => Promise.resolve(['/usr/bin/ruby', scriptPath('dalli_battery.rb')]),
  ownOutcomes: {
    binary: {
      replace: {
        expect: 'not_found,stored,new',
        why: 'binary replace of a missing key answers Key not found (memcached/proto_bin.c)',
      },
      key_251: { expect: 'ok', why: 'Dalli shortens keys over 250 bytes with a digest (Dalli::KeyManager)' },
    },
  },
});
