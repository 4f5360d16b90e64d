#!/bin/bash
# Elastic Beanstalk prebuild hook for application deployments:
# .platform/mcsidecar/host.sh mount-efs (see there).
set -euo pipefail
exec "$(dirname "$0")/../../mcsidecar/host.sh" mount-efs
