#!/bin/sh
# Set newscrawl up on Debian or Ubuntu: the system packages it needs (only
# those missing; apt-get as root, or through sudo), a virtualenv in .venv,
# and the project in it, editable, with its test extras. Then:
#   .venv/bin/python -m pytest        # the tests
#   .venv/bin/scrapy demo             # a sample site crawled in under a minute
set -eu
cd "$(dirname "$0")"

# chromium renders share pages; redis-server is for the scale-out tests; Jekyll
# (with the two plugins the site uses) builds the test sites and the demo's.
# git reads the site source's history (scrapy crawl source -a history=all).
packages="git chromium redis-server jekyll ruby-jekyll-feed ruby-jekyll-seo-tag"
python3 -c 'import ensurepip' 2>/dev/null || packages="$packages python3-venv"
missing=""
for package in $packages; do
    dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null | grep -qx installed || missing="$missing $package"
done
if [ -n "$missing" ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    echo "setup: installing$missing"
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
echo "setup: done; run the tests with .venv/bin/python -m pytest"
