#!/usr/bin/env bash
# `make run-scale`: LawTrail's scale-out topology on this one machine, for a trial and for the load
# benchmark. Local engines, each the real one: PostgreSQL (the machine's server), Redis (the
# machine's, started if it is not running), SeaweedFS as the S3-compatible evidence store (from
# the venv, data under var/scale/), then `lawtrail serve --topology scale`: gunicorn with one web
# process per core and two background workers, ready once /healthz answers. Ctrl+C stops it all.
# A real installation sets the same variables to its own servers and runs the last command only.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv
port=${PORT:-8000}
scale=${LAWTRAIL_SCALE_DIR:-$PWD/var/scale}
mkdir -p "$scale"

export LAWTRAIL_DATA_DIR=${LAWTRAIL_DATA_DIR:-$scale/data}
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/lawtrail_scale}
export LAWTRAIL_REDIS_URL=${LAWTRAIL_REDIS_URL:-redis://127.0.0.1:6379/5}

# PostgreSQL: the database must exist.
"$venv/bin/python" - <<'PY'
import os, sys
import psycopg
from urllib.parse import urlparse
url = urlparse(os.environ["DATABASE_URL"])
name = url.path.lstrip("/")
admin = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
try:
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"已创建数据库 {name}")
except psycopg.OperationalError as err:
    sys.exit(f"错误:无法连接 PostgreSQL({err});请启动 PostgreSQL 或设置 DATABASE_URL")
PY

# Redis: answer a PING, or start the machine's server.
if ! "$venv/bin/python" -c "import os, redis; redis.Redis.from_url(os.environ['LAWTRAIL_REDIS_URL'], socket_timeout=3).ping()" 2>/dev/null; then
  if command -v redis-server >/dev/null; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir "$scale" \
      --logfile "$scale/redis.log"
    sleep 1
  else
    echo "错误:Redis 未运行且没有 redis-server(Debian 软件包 redis-server);或设置 LAWTRAIL_REDIS_URL" >&2
    exit 1
  fi
fi

# SeaweedFS: an S3 endpoint on loopback only (it listens on every interface unless told).
weed=$venv/bin/weed
s3_port=${LAWTRAIL_SCALE_S3_PORT:-18333}
mkdir -p "$scale/weed"
"$weed" server -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$scale/weed" -s3 -s3.port="$s3_port" \
  -master.port=19333 -volume.port=18080 -volume.preStopSeconds=0 -filer.port=18888 -volume.max=20 \
  -s3.port.iceberg=0 -s3.port.lance=0 \
  >"$scale/weed.log" 2>&1 &
weed_pid=$!
serve_pid=
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$serve_pid" ]; then kill -TERM "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  kill "$weed_pid" 2>/dev/null || true; sleep 2; kill -9 "$weed_pid" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
export LAWTRAIL_S3_BUCKET=${LAWTRAIL_S3_BUCKET:-lawtrail-evidence}
export LAWTRAIL_S3_ENDPOINT_URL=${LAWTRAIL_S3_ENDPOINT_URL:-http://127.0.0.1:$s3_port}
export LAWTRAIL_S3_ACCESS_KEY=${LAWTRAIL_S3_ACCESS_KEY:-lawtrail}
export LAWTRAIL_S3_SECRET_KEY=${LAWTRAIL_S3_SECRET_KEY:-lawtrail-scale-trial}
"$venv/bin/python" - <<'PY'
import os, sys, time
import boto3, botocore
s3 = boto3.client("s3", endpoint_url=os.environ["LAWTRAIL_S3_ENDPOINT_URL"],
                  aws_access_key_id=os.environ["LAWTRAIL_S3_ACCESS_KEY"],
                  aws_secret_access_key=os.environ["LAWTRAIL_S3_SECRET_KEY"], region_name="us-east-1")
deadline = time.monotonic() + 60
while True:
    try:
        try:
            s3.create_bucket(Bucket=os.environ["LAWTRAIL_S3_BUCKET"])
        except s3.exceptions.BucketAlreadyOwnedByYou:
            pass
        s3.put_object(Bucket=os.environ["LAWTRAIL_S3_BUCKET"], Key=".probe", Body=b"ok")
        break
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as err:
        if time.monotonic() > deadline:
            sys.exit(f"错误:SeaweedFS 的 S3 接口未就绪({err});日志见 var/scale/weed.log")
        time.sleep(1)
PY

"$venv/bin/lawtrail" demo
# In the background and waited for, so a TERM to this script reaches the server too.
"$venv/bin/lawtrail" serve --topology scale --port "$port" --demo &
serve_pid=$!
wait "$serve_pid"
