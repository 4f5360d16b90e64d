#!/bin/bash
# Elastic Beanstalk postdeploy hook for application deployments:
# .platform/mcsidecar/host.sh confgen-service (see there).
set -euo pipefail
exec "$(dirname "$0")/../../mcsidecar/host.sh" confgen-service
