#!/bin/bash
# Elastic Beanstalk predeploy hook for application deployments:
# .platform/mcsidecar/host.sh confgen-once (see there).
set -euo pipefail
exec "$(dirname "$0")/../../mcsidecar/host.sh" confgen-once
