#!/usr/bin/env bash
# zhuize — one entry for a fresh machine (needs only python3 ≥ 3.11, pip and apt):
#   bash run.sh demo    the main job end to end on the bundled demo data
#   bash run.sh test    the test suite
# It makes .venv beside this file and installs the pinned packages on first use.
set -euo pipefail
cd "$(dirname "$0")"

python=${PYTHON:-python3}
venv=.venv
stamp=$venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)

if [ ! -f "$stamp" ]; then
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet -e ".[test]"
  rm -f "$venv"/.installed-*
  touch "$stamp"
fi

case "${1:-}" in
  demo)
    shift
    exec "$venv/bin/zhuize" demo "$@"
    ;;
  test)
    shift
    exec "$venv/bin/python" -m pytest "$@"
    ;;
  *)
    echo "用法：bash run.sh demo | bash run.sh test" >&2
    exit 2
    ;;
esac
