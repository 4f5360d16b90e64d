#!/bin/sh
# Builds an Elastic Beanstalk source bundle (ECS running on 64bit Amazon Linux 2023) with the
# sidecar's deployment files:
#
#   deploy/beanstalk/bundle.sh [--existing-efs] [--dockerrun FILE] [--app DIR]... OUT.zip|OUTDIR
#
#   Dockerrun.aws.json   the repository's (or --dockerrun FILE, your application's)
#   .ebextensions/       ebextensions/*.config (without 30-efs-create.config with --existing-efs)
#   .platform/           ebextensions/platform/ (hooks executable)
#   …                    the contents of each --app DIR (e.g. app/, nginx/, php/, haproxy/)
#
# OUT.zip needs the zip command (it keeps the hooks' executable bits, which EB requires).
set -eu

usage() {
  echo "usage: $0 [--existing-efs] [--dockerrun FILE] [--app DIR]... OUT.zip|OUTDIR" >&2
  exit 2
}

repo=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd)
dockerrun=$repo/Dockerrun.aws.json
existing_efs=false
apps=''
out=''
while [ "$#" -gt 0 ]; do
  case "$1" in
    --existing-efs) existing_efs=true ;;
    --dockerrun)
      [ "$#" -ge 2 ] || usage
      dockerrun=$2
      shift
      ;;
    --app)
      [ "$#" -ge 2 ] || usage
      [ -d "$2" ] || {
        echo "$0: --app $2 is not a directory" >&2
        exit 1
      }
      apps="$apps
$2"
      shift
      ;;
    -*) usage ;;
    *)
      [ -z "$out" ] || usage
      out=$1
      ;;
  esac
  shift
done
[ -n "$out" ] || usage
[ -f "$dockerrun" ] || {
  echo "$0: no $dockerrun" >&2
  exit 1
}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# The application first, so the deployment files below win over same-named files.
printf '%s\n' "$apps" | while IFS= read -r dir; do
  [ -z "$dir" ] || cp -R "$dir/." "$stage/"
done
cp "$dockerrun" "$stage/Dockerrun.aws.json"
mkdir -p "$stage/.ebextensions" "$stage/.platform"
for f in "$repo"/ebextensions/*.config; do
  if [ "$existing_efs" = true ] && [ "$(basename "$f")" = 30-efs-create.config ]; then continue; fi
  cp "$f" "$stage/.ebextensions/"
done
cp -R "$repo/ebextensions/platform/." "$stage/.platform/"
find "$stage/.platform" -name '*.sh' -exec chmod 0755 {} +

case "$out" in
  *.zip)
    command -v zip >/dev/null 2>&1 || {
      echo "$0: zip is not installed (or give an output directory)" >&2
      exit 1
    }
    rm -f "$out"
    abs_out=$(CDPATH='' cd -- "$(dirname -- "$out")" && pwd)/$(basename -- "$out")
    (cd "$stage" && zip -q -r -X "$abs_out" .)
    ;;
  *)
    mkdir -p "$out"
    cp -R "$stage/." "$out/"
    ;;
esac
echo "$out"
