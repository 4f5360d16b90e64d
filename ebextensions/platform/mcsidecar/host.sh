#!/bin/bash
# mcsidecar on an Elastic Beanstalk "ECS running on 64bit Amazon Linux 2023" instance: the work
# behind the platform hooks (copied with this directory to .platform/ in the source bundle).
#
#   host.sh mount-efs        prebuild:    mount the shared config file system (EFS, TLS) on
#                                         /mnt/efs, with an fstab line (_netdev) for reboots
#   host.sh confgen-once     predeploy:   mcconfgen --once, so the proxy finds a config when
#                                         ECS starts the containers
#   host.sh confgen-service  postdeploy:  install and (re)start mcconfgen.service, which runs
#                                         mcconfgen --interval in a container of the same image
#
# Settings come from the environment properties (get-config environment):
#   MCSIDECAR_ENVIRONMENT_ID     e-… (10-mcsidecar-options.config sets it from AWSEBEnvironmentId):
#                                the environment's own directory on the shared file system
#   MCSIDECAR_EFS_ID             fs-… (set by 30-efs-create.config, or your existing file system);
#                                unset: a local directory per instance, no EFS
#   MCSIDECAR_EFS_ACCESS_POINT   fsap-… (optional): mount the access point instead of the root
#   MCSIDECAR_EFS_IAM            true: mount with IAM authorization (-o iam)
#   MCSIDECAR_IMAGE              the image to run mcconfgen from (default: the image of the
#                                Dockerrun.aws.json container that sets MCROUTER_ENABLED)
#   MCSIDECAR_CONFGEN_INTERVAL   seconds between mcconfgen runs (default 30; 0 = deploy time only)
#   MCCONFGEN_*                  passed to mcconfgen (every flag has one, e.g. MCCONFGEN_TEMPLATE)
#
# One file system may serve several environments (blue/green, clones, re-created ones): each
# environment writes and reads only /mnt/efs/mcsidecar/<environment id>/mcrouter.conf. The
# containers see that directory through /var/lib/mcsidecar/config, a symlink the prebuild hook
# points at it (Dockerrun.aws.json mounts the fixed path read-only). Without EFS the directory is
# /var/lib/mcsidecar/local on the instance. Paths can be moved with MCSIDECAR_* variables (used
# by the tests).
set -euo pipefail

here=$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# The source bundle: <bundle>/.platform/mcsidecar/host.sh
BUNDLE_DIR=${MCSIDECAR_BUNDLE_DIR:-$(dirname "$(dirname "$here")")}
GET_CONFIG=${MCSIDECAR_GET_CONFIG:-/opt/elasticbeanstalk/bin/get-config}
ETC_DIR=${MCSIDECAR_ETC_DIR:-/etc/mcsidecar}
SYSTEMD_DIR=${MCSIDECAR_SYSTEMD_DIR:-/etc/systemd/system}
FSTAB=${MCSIDECAR_FSTAB:-/etc/fstab}
EFS_ROOT=${MCSIDECAR_EFS_ROOT:-/mnt/efs}
SHARED_DIR=$EFS_ROOT/mcsidecar
STATE_DIR=${MCSIDECAR_STATE_DIR:-/var/lib/mcsidecar}
# mcconfgen.service's log (--log-file), written by the image's user.
LOG_DIR=${MCSIDECAR_LOG_DIR:-/var/log/mcsidecar}
# The fixed path Dockerrun.aws.json mounts: a symlink to this environment's CONFIG_DIR.
CONFIG_LINK=$STATE_DIR/config
# This environment's directory; set by load_env (config_dir).
CONFIG_DIR=''
MOUNT_ATTEMPTS=${MCSIDECAR_MOUNT_ATTEMPTS:-18}
MOUNT_RETRY_SECONDS=${MCSIDECAR_MOUNT_RETRY_SECONDS:-10}
# The image's non-root user (docker/Dockerfile): the mcconfgen container writes as 10001.
OWNER=10001:10001
# Where the config directory appears inside the containers (MCROUTER_CONFIG's directory).
CONTAINER_DIR=/usr/local/etc/mcrouter
CONFIG_FILE=mcrouter.conf

log() { echo "mcsidecar: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# The EB environment properties (get-config environment, a JSON object), loaded once into
# EB_ENV by load_env at the end of this file.
declare -A EB_ENV=()
load_env() {
  local json script
  json=$("$GET_CONFIG" environment) || die "cannot read the environment properties ($GET_CONFIG environment)"
  script=$(python3 -c 'import json, shlex, sys
env = json.loads(sys.argv[1])
if not isinstance(env, dict):
    sys.exit("get-config environment did not return an object")
for k, v in sorted(env.items()):
    print("EB_ENV[%s]=%s" % (shlex.quote(k), shlex.quote(str(v))))' "$json") || die "cannot parse the environment properties"
  eval "$script"
}

# prop NAME [DEFAULT]: an environment property, or DEFAULT when unset or empty.
prop() {
  local v=${EB_ENV[$1]-}
  echo "${v:-${2-}}"
}

# This environment's config directory: <shared>/<environment id> on EFS, a local one without.
# Without an environment id two environments would share one file, so EFS needs it.
config_dir() {
  local env_id
  if [ -z "$(prop MCSIDECAR_EFS_ID)" ]; then
    echo "$STATE_DIR/local"
    return
  fi
  env_id=$(prop MCSIDECAR_ENVIRONMENT_ID)
  [ -n "$env_id" ] || die "MCSIDECAR_ENVIRONMENT_ID is not set: environments sharing the file system would overwrite each other's config (10-mcsidecar-options.config sets it)"
  [[ $env_id =~ ^e-[a-z0-9]{4,40}$ ]] || die "MCSIDECAR_ENVIRONMENT_ID=$env_id is not an environment ID (e-…)"
  echo "$SHARED_DIR/$env_id"
}

# Points CONFIG_LINK at CONFIG_DIR (replacing an older link atomically).
link_config_dir() {
  mkdir -p "$STATE_DIR"
  if [ "$(readlink "$CONFIG_LINK" 2>/dev/null)" != "$CONFIG_DIR" ]; then
    if ! { ln -sfn "$CONFIG_DIR" "$CONFIG_LINK.new" && mv -Tf "$CONFIG_LINK.new" "$CONFIG_LINK"; }; then
      die "cannot point $CONFIG_LINK at $CONFIG_DIR"
    fi
    log "$CONFIG_LINK → $CONFIG_DIR"
  fi
}

# The sidecar image: MCSIDECAR_IMAGE, else the Dockerrun.aws.json container with MCROUTER_ENABLED.
sidecar_image() {
  local image
  image=$(prop MCSIDECAR_IMAGE)
  if [ -n "$image" ]; then
    echo "$image"
    return
  fi
  [ -f "$BUNDLE_DIR/Dockerrun.aws.json" ] || die "no $BUNDLE_DIR/Dockerrun.aws.json: set MCSIDECAR_IMAGE"
  python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
found = [c["image"] for c in d.get("containerDefinitions", [])
         if any(e.get("name") == "MCROUTER_ENABLED" for e in c.get("environment", []))]
if len(found) != 1:
    sys.exit("expected one container with MCROUTER_ENABLED in %s, found %d" % (sys.argv[1], len(found)))
print(found[0])' "$BUNDLE_DIR/Dockerrun.aws.json"
}

# write_if_changed FILE MODE: stdin → FILE (atomically) when the content differs; returns 0 if
# it changed, 1 if not, and exits on an error (callers use it in conditions, where set -e is off,
# and never at the end of a pipeline, where an exit would only leave the subshell).
write_if_changed() {
  local file=$1 mode=$2 tmp
  mkdir -p "$(dirname "$file")" || die "cannot create the directory of $file"
  tmp=$(mktemp "$file.XXXXXX") || die "cannot write $file"
  if ! { cat >"$tmp" && chmod "$mode" "$tmp"; }; then
    rm -f "$tmp"
    die "cannot write $file"
  fi
  if [ -f "$file" ] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
    return 1
  fi
  mv -f "$tmp" "$file" || die "cannot replace $file"
}

# The env files mcconfgen.service and confgen-once read.
write_env_files() {
  local image=$1 interval=$2
  # Every MCCONFGEN_* property, one KEY=VALUE per line (docker --env-file: no quoting, no newlines).
  local vars='' k
  while IFS= read -r k; do
    [[ $k == MCCONFGEN_* && ${EB_ENV[$k]} != *$'\n'* ]] || continue
    vars+="$k=${EB_ENV[$k]}"$'\n'
  done < <(printf '%s\n' "${!EB_ENV[@]}" | LC_ALL=C sort)
  vars=${vars%$'\n'}
  write_if_changed "$ETC_DIR/mcconfgen.env" 0600 <<<"$vars" || true
  write_if_changed "$ETC_DIR/host.env" 0644 <<EOT || true
MCSIDECAR_IMAGE=$image
MCSIDECAR_CONFIG_DIR=$CONFIG_DIR
MCSIDECAR_BUNDLE_DIR=$BUNDLE_DIR
MCSIDECAR_CONFGEN_INTERVAL=$interval
MCSIDECAR_LOG_DIR=$LOG_DIR
EOT
}

# ECR images need a docker login with the instance profile (AmazonEC2ContainerRegistryReadOnly).
pull_image() {
  local image=$1 registry region
  registry=${image%%/*}
  if [[ $registry =~ ^[0-9]+\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$ ]]; then
    region=${BASH_REMATCH[1]}
    aws ecr get-login-password --region "$region" |
      docker login --username AWS --password-stdin "$registry" >/dev/null
  fi
  docker pull --quiet "$image" >/dev/null
}

cmd_mount_efs() {
  local fs_id ap iam target opts line
  fs_id=$(prop MCSIDECAR_EFS_ID)
  ap=$(prop MCSIDECAR_EFS_ACCESS_POINT)
  iam=$(prop MCSIDECAR_EFS_IAM false)
  if [ -z "$fs_id" ]; then
    log "MCSIDECAR_EFS_ID is not set: the config directory $CONFIG_DIR is local to this instance"
    mkdir -p "$CONFIG_DIR"
    chown "$OWNER" "$CONFIG_DIR"
    link_config_dir
    return 0
  fi
  [[ $fs_id =~ ^fs-[0-9a-f]{8,40}$ ]] || die "MCSIDECAR_EFS_ID=$fs_id is not a file system ID (fs-…)"
  [ -z "$ap" ] || [[ $ap =~ ^fsap-[0-9a-f]{8,40}$ ]] || die "MCSIDECAR_EFS_ACCESS_POINT=$ap is not an access point ID (fsap-…)"

  if ! command -v mount.efs >/dev/null 2>&1; then
    log "installing amazon-efs-utils (the EFS mount helper)"
    dnf install -y -q amazon-efs-utils
  fi

  # With an access point, its root directory (owned by 10001) is the shared directory itself;
  # without one, the file system root goes on /mnt/efs and the shared directory is a subdirectory.
  opts=_netdev,tls
  if [ -n "$ap" ]; then
    target=$SHARED_DIR
    opts=$opts,accesspoint=$ap
  else
    target=$EFS_ROOT
  fi
  if [ "$iam" = true ]; then opts=$opts,iam; fi
  line="$fs_id:/ $target efs $opts 0 0"

  mkdir -p "$target"
  # One fstab line per mount point: replace ours, keep everything else.
  local fstab
  fstab=$(
    awk -v t="$target" '$2 != t' "$FSTAB" 2>/dev/null || true
    echo "$line"
  )
  if write_if_changed "$FSTAB" 0644 <<<"$fstab"; then log "fstab: $line"; fi

  if mountpoint -q "$target"; then
    log "$target is already mounted"
  else
    local attempt=1
    # New mount targets take a minute or two to resolve in DNS: retry.
    until mount "$target"; do
      if [ "$attempt" -ge "$MOUNT_ATTEMPTS" ]; then
        die "cannot mount $fs_id on $target (mount targets in every subnet? DNS hostnames on in the VPC? port 2049 open from the instances? see /var/log/amazon/efs)"
      fi
      log "mount $target failed (attempt $attempt of $MOUNT_ATTEMPTS); retrying in ${MOUNT_RETRY_SECONDS}s"
      attempt=$((attempt + 1))
      sleep "$MOUNT_RETRY_SECONDS"
    done
    log "mounted $fs_id on $target ($opts)"
  fi
  if [ -z "$ap" ]; then
    mkdir -p "$SHARED_DIR"
    chown "$OWNER" "$SHARED_DIR"
    chmod 0755 "$SHARED_DIR"
  fi
  # This environment's directory (the access point creates files as 10001 already).
  mkdir -p "$CONFIG_DIR"
  [ -n "$ap" ] || chown "$OWNER" "$CONFIG_DIR"
  link_config_dir

  # After a reboot, start Docker (and with it the ECS agent and the sidecar) after remote file
  # systems, so the container never binds the empty directory under the mount point.
  if write_if_changed "$SYSTEMD_DIR/docker.service.d/10-mcsidecar-efs.conf" 0644 <<'EOT'; then
# Written by mcsidecar (.platform/mcsidecar/host.sh): start after the EFS mount in /etc/fstab.
[Unit]
Wants=remote-fs.target
After=remote-fs.target
EOT
    systemctl daemon-reload
  fi
}

cmd_confgen_once() {
  local image interval
  image=$(sidecar_image)
  interval=$(prop MCSIDECAR_CONFGEN_INTERVAL 30)
  write_env_files "$image" "$interval"
  mkdir -p "$CONFIG_DIR"
  pull_image "$image"
  log "mcconfgen --once with $image → $CONFIG_DIR/$CONFIG_FILE"
  if docker run --rm --name mcconfgen-once --network host --no-healthcheck \
    --env-file "$ETC_DIR/mcconfgen.env" \
    -v "$CONFIG_DIR:$CONTAINER_DIR" -v "$BUNDLE_DIR:/bundle:ro" \
    "$image" mcconfgen --once --output "$CONTAINER_DIR/$CONFIG_FILE"; then
    return 0
  fi
  # A failed run keeps the last good file (mcconfgen never writes a bad one); without any file
  # the proxy cannot start, so the deployment stops here with the reason above.
  if [ -s "$CONFIG_DIR/$CONFIG_FILE" ]; then
    log "warning: mcconfgen --once failed; the proxies keep serving $CONFIG_DIR/$CONFIG_FILE"
    return 0
  fi
  die "mcconfgen --once failed and there is no $CONFIG_DIR/$CONFIG_FILE yet"
}

cmd_confgen_service() {
  local image interval unit=mcconfgen.service
  image=$(sidecar_image)
  interval=$(prop MCSIDECAR_CONFGEN_INTERVAL 30)
  [[ $interval =~ ^[0-9]+$ ]] || die "MCSIDECAR_CONFGEN_INTERVAL=$interval is not a number of seconds"
  write_env_files "$image" "$interval"
  if [ "$interval" = 0 ]; then
    log "MCSIDECAR_CONFGEN_INTERVAL=0: no $unit (the config is written at deploy time only)"
    systemctl disable --now "$unit" >/dev/null 2>&1 || true
    rm -f "$SYSTEMD_DIR/$unit"
    systemctl daemon-reload
    return 0
  fi
  mkdir -p "$LOG_DIR"
  chown "$OWNER" "$LOG_DIR"
  local text
  text=$(sed "s|@ETC_DIR@|$ETC_DIR|g" "$here/$unit")
  write_if_changed "$SYSTEMD_DIR/$unit" 0644 <<<"$text" || true
  pull_image "$image"
  systemctl daemon-reload
  systemctl enable "$unit"
  # Restart: a new image, new MCCONFGEN_* properties or a new bundle take effect now.
  systemctl restart "$unit"
  log "$unit running $image every ${interval}s"
}

case "${1-}" in
  mount-efs | confgen-once | confgen-service) ;;
  *)
    echo "usage: $0 mount-efs|confgen-once|confgen-service" >&2
    exit 2
    ;;
esac
load_env
CONFIG_DIR=$(config_dir)
"cmd_${1//-/_}"
