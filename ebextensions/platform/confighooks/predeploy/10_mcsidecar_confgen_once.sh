#!/bin/bash
# Elastic Beanstalk predeploy hook for configuration deployments (e.g. an environment property changed):
# .platform/mcsidecar/host.sh confgen-once (see there).
set -euo pipefail
exec "$(dirname "$0")/../../mcsidecar/host.sh" confgen-once
