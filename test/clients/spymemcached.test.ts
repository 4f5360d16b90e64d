/**
 * The client battery with spymemcached (Debian libspymemcached-java, run by the JDK), with its
 * ASCII and its binary connection factory. Compiled into a temp dir per run.
 */
import { describeClientBattery } from './client-battery.js';
import { build, buildDir, scriptPath } from './scripts.js';

const JAR = '/usr/share/java/spymemcached.jar';

describeClientBattery({
  client: 'spymemcached',
  modes: ['ascii', 'binary'],
  unsupported: { noreply: 'spymemcached has no noreply/quiet calls' },
  async prepare() {
    const dir = await buildDir('spymemcached');
    await build('javac', ['-d', dir, '-cp', JAR, scriptPath('SpymemcachedBattery.java')]);
    return ['java', '-Xshare:auto', '-XX:TieredStopAtLevel=1', '-cp', `${dir}:${JAR}`, 'SpymemcachedBattery'];
  },
});
