/** The client battery with memjs (npm devDependency, binary protocol). */
import { describeClientBattery } from './client-battery.js';
import { scriptPath } from './scripts.js';

describeClientBattery({
  client: 'memjs',
  modes: ['binary'],
  prepare: () => Promise.resolve([process.execPath, '--import', 'tsx', scriptPath('memjs-battery.ts')]),
  unsupported: {
    cas: 'memjs 1.3 has no gets/cas',
    noreply: 'memjs 1.3 has no quiet calls',
    version: 'memjs 1.3 has no version call',
  },
  ownOutcomes: {
    binary: {
      append_prepend: {
        expect: 'not_stored,stored,stored,bca',
        why: 'memjs 1.3.2 sends prepend with the Append opcode (0x0E), so "a" lands at the end',
      },
      incr_decr: {
        expect: '15,0,0',
        why: 'memjs always sends an initial value (0) and expiration 0: binary Increment creates the missing key (memcached/proto_bin.c)',
      },
    },
  },
});
