#!/usr/bin/env bash
# Copied from the workplace shared scripts (../shared/scripts/install-pgvector.sh) so a clean clone can run CI alone.
# Installs the pgvector extension into the local PostgreSQL server (Debian bookworm has no pgvector package).
# Builds pgvector from Debian's own source package (trixie deb-src) against postgresql-server-dev-<major>.
# Idempotent: does nothing when the extension is already installed. Needs root. About 40 s on a fresh machine.
set -euo pipefail
PG_MAJOR=${PG_MAJOR:-$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)}
if [[ -z "$PG_MAJOR" ]]; then echo "install-pgvector: no PostgreSQL server found under /usr/lib/postgresql" >&2; exit 1; fi
if [[ -f /usr/share/postgresql/$PG_MAJOR/extension/vector.control ]]; then
  echo "install-pgvector: pgvector already installed for PostgreSQL $PG_MAJOR"; exit 0
fi
export DEBIAN_FRONTEND=noninteractive
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
apt-get update -qq
apt-get install -y -qq "postgresql-server-dev-$PG_MAJOR" build-essential >/dev/null
cat > "$work/src.sources" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
opts=(-o Dir::Etc::sourcelist="$work/src.sources" -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0)
apt-get "${opts[@]}" update -qq
(cd "$work" && apt-get "${opts[@]}" source --download-only pgvector >/dev/null 2>&1)
mkdir "$work/src"
tar -xf "$work"/pgvector_*.orig.tar.* -C "$work/src" --strip-components=1
make -s -C "$work/src" PG_CONFIG="/usr/lib/postgresql/$PG_MAJOR/bin/pg_config" -j"$(nproc)" >/dev/null
make -s -C "$work/src" PG_CONFIG="/usr/lib/postgresql/$PG_MAJOR/bin/pg_config" install >/dev/null
echo "install-pgvector: installed $(grep default_version /usr/share/postgresql/$PG_MAJOR/extension/vector.control) for PostgreSQL $PG_MAJOR"
