#!/bin/sh
# Builds an Elastic Beanstalk source bundle (ECS running on 64bit Amazon Linux 2023):
#
#   deploy/beanstalk/bundle.sh [--existing-efs] [--image IMAGE] [--dockerrun FILE] [--app DIR]... [OUT.zip|OUTDIR]
#
# With no arguments: mcsidecar-demo.zip in the current directory, the demo application
# (docs/deploy/beanstalk.md): public nginx serving pages from the cache with memcached_pass, the
# sidecar, and a tiny Node.js page (public node image) that fills the cache.
#
#   Dockerrun.aws.json   the repository's (the demo), or --dockerrun FILE (your application's)
#   demo/                deploy/beanstalk/demo (nginx config, the page) with the repository's Dockerrun
#   .ebextensions/       ebextensions/*.config (without 30-efs-create.config with --existing-efs)
#   .platform/           ebextensions/platform/ (hooks executable)
#   …                    the contents of each --app DIR (your application's files)
#
# The sidecar image: the placeholder ACCOUNT_ID.dkr.ecr.REGION.amazonaws.com/mcsidecar:<tag> in
# Dockerrun.aws.json becomes --image IMAGE, else $MCSIDECAR_IMAGE, else the mcsidecar repository
# of your AWS CLI's account and region (aws sts get-caller-identity; $AWS_REGION,
# $AWS_DEFAULT_REGION or aws configure get region), where the walkthrough pushes it.
#
# OUT.zip needs the zip command (it keeps the hooks' executable bits, which EB requires).
set -eu

usage() {
  echo "usage: $0 [--existing-efs] [--image IMAGE] [--dockerrun FILE] [--app DIR]... [OUT.zip|OUTDIR]" >&2
  exit 2
}
die() {
  echo "$0: $*" >&2
  exit 1
}

repo=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd)
dockerrun=$repo/Dockerrun.aws.json
existing_efs=false
image=${MCSIDECAR_IMAGE:-}
apps=''
out=''
while [ "$#" -gt 0 ]; do
  case "$1" in
    --existing-efs) existing_efs=true ;;
    --image)
      [ "$#" -ge 2 ] || usage
      image=$2
      shift
      ;;
    --dockerrun)
      [ "$#" -ge 2 ] || usage
      dockerrun=$2
      shift
      ;;
    --app)
      [ "$#" -ge 2 ] || usage
      [ -d "$2" ] || die "--app $2 is not a directory"
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
out=${out:-mcsidecar-demo.zip}
[ -f "$dockerrun" ] || die "no $dockerrun"

placeholder='ACCOUNT_ID\.dkr\.ecr\.REGION\.amazonaws\.com/mcsidecar:[^"]*'
if grep -q "$placeholder" "$dockerrun"; then
  if [ -z "$image" ]; then
    command -v aws >/dev/null 2>&1 ||
      die "the sidecar image is a placeholder in $dockerrun: give --image or MCSIDECAR_IMAGE (or install the AWS CLI)"
    account=$(aws sts get-caller-identity --query Account --output text) ||
      die "aws sts get-caller-identity failed: give --image or MCSIDECAR_IMAGE"
    region=${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region || true)}}
    [ -n "$region" ] || die "no AWS region (AWS_REGION, AWS_DEFAULT_REGION or aws configure set region)"
    tag=$(sed -n "s|.*ACCOUNT_ID\.dkr\.ecr\.REGION\.amazonaws\.com/mcsidecar:\([^\"]*\)\".*|\1|p" "$dockerrun" | head -n 1)
    image=$account.dkr.ecr.$region.amazonaws.com/mcsidecar:$tag
  fi
  printf '%s\n' "$image" | grep -Eq '^[a-z0-9][a-z0-9._/:@-]*$' ||
    die "--image $image is not an image reference (registry/name:tag or @sha256:…)"
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# The application first, so the deployment files below win over same-named files.
printf '%s\n' "$apps" | while IFS= read -r dir; do
  [ -z "$dir" ] || cp -R "$dir/." "$stage/"
done
if [ "$dockerrun" = "$repo/Dockerrun.aws.json" ]; then
  mkdir -p "$stage/demo"
  cp -R "$repo/deploy/beanstalk/demo/." "$stage/demo/"
fi
if [ -n "$image" ]; then
  sed "s|$placeholder|$image|" "$dockerrun" >"$stage/Dockerrun.aws.json"
else
  cp "$dockerrun" "$stage/Dockerrun.aws.json"
fi
mkdir -p "$stage/.ebextensions" "$stage/.platform"
for f in "$repo"/ebextensions/*.config; do
  if [ "$existing_efs" = true ] && [ "$(basename "$f")" = 30-efs-create.config ]; then continue; fi
  cp "$f" "$stage/.ebextensions/"
done
cp -R "$repo/ebextensions/platform/." "$stage/.platform/"
find "$stage/.platform" -name '*.sh' -exec chmod 0755 {} +

case "$out" in
  *.zip)
    command -v zip >/dev/null 2>&1 || die "zip is not installed (or give an output directory)"
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
