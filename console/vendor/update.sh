#!/usr/bin/env sh
# Re-fetches the pinned third-party builds the repository carries, with `npm pack` from the
# npm registry: GraphiQL and React (production builds, served by the hub at /graphql) and
# axe-core (injected by the browser tests into every page they visit). The files are
# committed, so that building the hub never needs Node and nothing is loaded from a CDN.
# Change a version here, run this script, and commit what it wrote.
set -eu

GRAPHIQL=4.1.2   # the last release with a UMD build; 5.x is ESM only and needs Monaco
REACT=18.3.1     # the last React with UMD builds, which GraphiQL 4's UMD build expects
AXE_CORE=4.14.1

here=$(cd "$(dirname "$0")" && pwd)
fixtures="$here/../../tests/fixtures/axe"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# unpack NAME VERSION: the package's tarball from the registry, unpacked in $tmp/NAME.
unpack() {
  (cd "$tmp" && npm pack --silent "$1@$2" >/dev/null)
  mkdir -p "$tmp/$1"
  tar -xzf "$tmp/$1-$2.tgz" -C "$tmp/$1" --strip-components=1
}

# copy FROM TO: a file without its source-map comment (the maps are not shipped).
copy() {
  sed -e '/^\/\/# sourceMappingURL=/d' -e 's#/\*\# sourceMappingURL=[^*]*\*/##' "$1" >"$2"
}

unpack graphiql "$GRAPHIQL"
unpack react "$REACT"
unpack react-dom "$REACT"
unpack axe-core "$AXE_CORE"

mkdir -p "$here/graphiql" "$here/react" "$here/react-dom" "$fixtures"
copy "$tmp/graphiql/graphiql.min.js" "$here/graphiql/graphiql.min.js"
copy "$tmp/graphiql/graphiql.min.css" "$here/graphiql/graphiql.min.css"
cp "$tmp/graphiql/LICENSE" "$here/graphiql/LICENSE"
copy "$tmp/react/umd/react.production.min.js" "$here/react/react.production.min.js"
cp "$tmp/react/LICENSE" "$here/react/LICENSE"
copy "$tmp/react-dom/umd/react-dom.production.min.js" "$here/react-dom/react-dom.production.min.js"
cp "$tmp/react-dom/LICENSE" "$here/react-dom/LICENSE"
cp "$tmp/axe-core/axe.min.js" "$fixtures/axe.min.js"
cp "$tmp/axe-core/LICENSE" "$fixtures/LICENSE"

cat >"$here/VERSIONS" <<VERSIONS
graphiql $GRAPHIQL (MIT)
react $REACT (MIT)
react-dom $REACT (MIT)
axe-core $AXE_CORE (MPL-2.0, tests/fixtures/axe)
VERSIONS
echo "vendored: graphiql $GRAPHIQL, react $REACT, react-dom $REACT, axe-core $AXE_CORE"
