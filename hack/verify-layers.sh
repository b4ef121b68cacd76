#!/usr/bin/env bash
# Arrows point one way: a folder includes and links only its own layer and
# the layers below it (DESIGN: base <- policies <- core <- registry/verify <-
# cli <- the executable). Includes are read from the sources; links from the
# built static libraries (nm), so a call that points up fails here even
# when its header was reached some other way.
#   hack/verify-layers.sh [BUILD_DIR]     BUILD_DIR defaults to build/
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}

# The folder of each layer, and the layers each one may use (itself included).
# The registry client uses no core code, only base and the pure policies
# layer (Docker Hub's names, so that one list serves patterns and the client).
# The namespace reader (kube) is a sibling of the registry client: base and
# the policies layer (the adm_labels it fills) only.
# The CLI commands and the executable are one layer in two targets: test and
# replay read recordings with the recorder's own encoder (record.h).
declare -A folder=([base]=server/base [policies]=policies [core]=server/core [registry]=server/registry
  [kube]=server/kube [verify]=server/verify [cli]=server/cli [exe]=server)
declare -A uses=(
  [base]="base"
  [policies]="base policies"
  [core]="base policies core"
  [registry]="base policies registry"
  [kube]="base policies kube"
  [verify]="base policies core registry verify"
  [cli]="base policies core registry kube verify cli exe"
  [exe]="base policies core registry kube verify cli exe")

# The layer whose code a contract header in include/admitd/ belongs to. A new
# header needs a line here: the check refuses one it does not know.
declare -A header=(
  [arena.h]=base [budget.h]=base [error.h]=base [file.h]=base [jsonw.h]=base [sysres.h]=base [verifier.h]=base
  [family.h]=policies [image.h]=policies [pod.h]=policies [policy.h]=policies [quantity.h]=policies
  [selector.h]=policies [facts.h]=policies
  [config.h]=core [decide.h]=core [extract.h]=core [log.h]=core [manifest.h]=core [pipeline.h]=core
  [gather.h]=core [namespace.h]=core [reload.h]=core [review.h]=core [synth.h]=core [yaml.h]=core
  [registry.h]=registry
  [kube.h]=kube
  [facts_backend.h]=verify [sigstore.h]=verify [sigtrace.h]=verify
  [cli.h]=cli
  [record.h]=exe)

fail=0
allowed() { # allowed LAYER USED_LAYER
  case " ${uses[$1]} " in *" $2 "*) return 0 ;; esac
  return 1
}

# Every contract header is known.
for h in include/admitd/*.h; do
  b=${h##*/}
  if [ -z "${header[$b]:-}" ]; then
    echo "verify-layers: $h: no layer; add it to the header table in hack/verify-layers.sh" >&2
    fail=1
  fi
done

# Includes: a source's "admitd/X.h" must belong to a layer it may use; a
# header from another folder by relative path is refused outright.
for layer in "${!folder[@]}"; do
  dir=${folder[$layer]}
  for f in "$dir"/*.c "$dir"/*.h; do
    [ -f "$f" ] || continue
    while IFS= read -r inc; do
      case "$inc" in
        admitd/*)
          b=${inc#admitd/}
          hl=${header[$b]:-}
          [ -n "$hl" ] || continue # reported above
          if ! allowed "$layer" "$hl"; then
            echo "verify-layers: $f includes $inc (layer $hl) from layer $layer" >&2
            fail=1
          fi
          ;;
        */*)
          echo "verify-layers: $f includes $inc: another folder's private header" >&2
          fail=1
          ;;
      esac
    done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
  done
done

# Contract headers include only contracts of their own layer or below.
for h in include/admitd/*.h; do
  hl=${header[${h##*/}]:-}
  [ -n "$hl" ] || continue
  while IFS= read -r inc; do
    dl=${header[${inc#admitd/}]:-}
    if [ -n "$dl" ] && ! allowed "$hl" "$dl"; then
      echo "verify-layers: $h (layer $hl) includes $inc (layer $dl)" >&2
      fail=1
    fi
  done < <(sed -n 's/^#include "\(admitd\/[^"]*\)".*/\1/p' "$h")
done

# Links: every adm_ symbol a layer's library needs is defined in a layer it may use.
declare -A lib=([base]=libadmitd_base.a [policies]=libpolicies.a [core]=libadmitd_core.a
  [registry]=libadmitd_registry.a [kube]=libadmitd_kube.a [verify]=libadmitd_verify.a [cli]=libadmitd_cli.a)
if [ -d "$build" ]; then
  declare -A owner=()
  for layer in "${!lib[@]}"; do
    a="$build/${lib[$layer]}"
    [ -f "$a" ] || continue
    while read -r sym; do owner[$sym]=$layer; done < <(nm -g --defined-only "$a" 2>/dev/null | awk 'NF == 3 {print $3}')
  done
  for layer in "${!lib[@]}"; do
    a="$build/${lib[$layer]}"
    [ -f "$a" ] || continue
    while read -r sym; do
      ol=${owner[$sym]:-}
      if [ -n "$ol" ] && ! allowed "$layer" "$ol"; then
        echo "verify-layers: ${lib[$layer]} (layer $layer) needs $sym from layer $ol" >&2
        fail=1
      fi
    done < <(nm -u "$a" 2>/dev/null | awk '$2 ~ /^adm_/ {print $2}' | sort -u)
  done
else
  echo "verify-layers: no $build/: includes checked, links not (build first)" >&2
fi

[ "$fail" -eq 0 ] || exit 1
echo "verify-layers: ok"
