#!/usr/bin/env bash
# Signature verification (server/verify/sigverify*.c) through the real registry
# client against Debian's docker-registry on loopback:
#   tests/registry/sigverify.sh TEST_BINARY
# Pushes the signed images of signed.sh (cosign-format signatures made with
# openssl), stops one registry to get a port that refuses, then runs the
# cmocka program with addresses, digests and key files in its environment
# (REG_PLAIN, REG_GONE, SIG_KEYS, IMG_*).
# Exit 77 (skip) when docker-registry and friends are missing.
set -u
TEST_BIN=$(realpath "$1")
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/signed.sh"
trap registry_cleanup EXIT
registry_require

set -e
registry_start plain
REG=$REGISTRY_ADDR
registry_start gone
GONE=$REGISTRY_ADDR
registry_stop "$REGISTRY_PID"

signed_images "$REG"
set +e

export REG_PLAIN=$REG REG_GONE=$GONE
"$TEST_BIN"
