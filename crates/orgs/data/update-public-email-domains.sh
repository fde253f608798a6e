#!/bin/sh
# Refreshes public-email-domains.txt (and its licence) from the npm package
# `free-email-domains` (MIT, Kiko Beats; HubSpot's free-domain list plus
# disposable-domain blocklists). Usage, from anywhere:
#   crates/orgs/data/update-public-email-domains.sh [version]   (default: latest)
# Needs npm and node. Review the diff (git diff --stat) and record the version
# in README.md beside this script.
set -eu
version="${1:-latest}"
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "free-email-domains@$version" >/dev/null && tar xzf free-email-domains-*.tgz)
node -e '
  const list = require(process.argv[1]);
  const domains = [...new Set(list.map((d) => d.trim().toLowerCase()).filter(Boolean))].sort();
  process.stdout.write(domains.join("\n") + "\n");
' "$work/package/domains.json" > "$here/public-email-domains.txt"
cp "$work/package/LICENSE.md" "$here/public-email-domains.LICENSE.md"
echo "public-email-domains.txt: $(wc -l < "$here/public-email-domains.txt") domains from free-email-domains@$(node -p 'require(process.argv[1]).version' "$work/package/package.json")"
