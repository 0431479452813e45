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

# The tests drive LibreOffice and Gnumeric (independent spreadsheet engines) and poppler;
# install them from Debian's packages when missing (CI and a fresh machine run as root).
need_office() {
  command -v soffice >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 && command -v ssconvert >/dev/null 2>&1 \
    && fc-list :lang=zh 2>/dev/null | grep -qi "noto.*cjk" && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "安装 LibreOffice、Gnumeric、poppler 和中文字体（首次运行，需几分钟）…" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq libreoffice-calc libreoffice-writer gnumeric poppler-utils fonts-noto-cjk >/dev/null
  else
    echo "提示：未找到 LibreOffice 或 Gnumeric；需要它们的测试将跳过（sudo apt-get install libreoffice-calc libreoffice-writer gnumeric poppler-utils fonts-noto-cjk）" >&2
  fi
}

# The 收报台's browser test drives Debian's own Chromium through chromedriver (Selenium
# never downloads a browser); install them when missing.
need_chromium() {
  [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "安装 Chromium 和 chromedriver（收报台的浏览器测试，首次运行）…" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "提示：未找到 Chromium；收报台的浏览器测试将跳过（sudo apt-get install chromium chromium-driver）" >&2
  fi
}

case "${1:-}" in
  demo)
    shift
    exec "$venv/bin/zhuize" demo "$@"
    ;;
  test)
    shift
    need_office
    need_chromium
    exec "$venv/bin/python" -m pytest "$@"
    ;;
  *)
    echo "用法：bash run.sh demo | bash run.sh test" >&2
    exit 2
    ;;
esac
