/** The client battery with pymemcache (Debian python3-pymemcache, ASCII), run by Debian's python3. */
import { describeClientBattery } from './client-battery.js';
import { scriptPath } from './scripts.js';

describeClientBattery({
  client: 'pymemcache',
  modes: ['ascii'],
  prepare: () => Promise.resolve(['/usr/bin/python3', scriptPath('pymemcache_battery.py')]),
});
