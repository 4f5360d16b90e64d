#!/bin/bash
# Elastic Beanstalk prebuild hook for configuration deployments (e.g. an environment property changed):
# .platform/mcsidecar/host.sh mount-efs (see there).
set -euo pipefail
exec "$(dirname "$0")/../../mcsidecar/host.sh" mount-efs
