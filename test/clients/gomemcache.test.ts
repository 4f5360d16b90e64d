/** The client battery with gomemcache (Debian golang-github-bradfitz-gomemcache-dev, ASCII). */
import { join } from 'node:path';
import { describeClientBattery } from './client-battery.js';
import { build, buildDir, scriptPath } from './scripts.js';

describeClientBattery({
  client: 'gomemcache',
  modes: ['ascii'],
  readsWithGets: true,
  unsupported: {
    append_prepend: 'no Append/Prepend in the packaged gomemcache (2014)',
    noreply: 'no noreply calls',
    version: 'no Version call',
    stats: 'no Stats call',
  },
  async prepare() {
    // GOPATH mode over Debian's /usr/share/gocode; everything built in a temp dir per run.
    const dir = await buildDir('gomemcache');
    const bin = join(dir, 'battery');
    await build('go', ['build', '-o', bin, scriptPath('gomemcache_battery/main.go')], {
      GO111MODULE: 'off',
      GOPATH: '/usr/share/gocode',
      GOCACHE: join(dir, 'cache'),
      GOFLAGS: '',
    });
    return [bin];
  },
});
