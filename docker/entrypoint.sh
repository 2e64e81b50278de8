#!/bin/sh
# Container entry point: `run` (the default) and option-only commands go to coinjectured; on the first start,
# a data directory without genesis.json is initialised from $COINJECTURE_NODE_GENESIS_FILE. Anything else
# (coinjecture-cli ..., coinjecture-keygen ..., sh) runs as given.
set -eu
case "${1:-run}" in
  run | -*)
    data=${COINJECTURE_NODE_DATA_DIR:-/var/lib/coinjecture/data}
    genesis=${COINJECTURE_NODE_GENESIS_FILE:-}
    if [ ! -f "$data/genesis.json" ] && [ -n "$genesis" ]; then
      coinjectured init --genesis "$genesis" --data-dir "$data"
    fi
    exec coinjectured "$@"
    ;;
  init)
    exec coinjectured "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
