#!/usr/bin/env bash
# Create .venv with the machine's own Python (no Python download) and install the locked dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never
UV=$(command -v uv || true)
if [ -z "$UV" ]; then
  # uv comes from PyPI into a private tools folder, so nothing is installed into the system Python.
  if [ ! -x var/tools/bin/uv ]; then
    echo "==> uv を PyPI から取得しています (var/tools)"
    mkdir -p var
    python3 -m venv var/tools
    var/tools/bin/pip install -q uv
  fi
  UV=var/tools/bin/uv
fi
if [ ! -x .venv/bin/python ]; then
  "$UV" venv -q --python "$(command -v python3)" .venv
fi
# python-ldap (directory login) compiles against OpenLDAP's and SASL's headers.
need=()
[ -e /usr/include/ldap.h ] || need+=(libldap2-dev)
[ -e /usr/include/sasl/sasl.h ] || need+=(libsasl2-dev)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> Debian パッケージをインストールします: ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null || {
      echo "!! apt-get に失敗しました"; exit 1; }
  else
    echo "!! 次の Debian パッケージが必要です: sudo apt-get install ${need[*]}"; exit 1
  fi
fi
echo "==> 依存パッケージをインストールしています (uv sync --frozen)"
"$UV" sync -q --frozen
