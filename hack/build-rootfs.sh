#!/usr/bin/env bash
# Assemble admitd's runtime filesystem: what `FROM scratch` ships and what
# tests/e2e/rootfs_chroot.sh runs under chroot to prove nothing is missing.
#   hack/build-rootfs.sh [BINARY] [OUT_DIR]     (default: build/admitd build/rootfs)
# The tree holds exactly:
#   usr/local/bin/admitd              the binary (stripped when strip exists)
#   the shared libraries it loads     as the dynamic loader resolves them (ldd),
#                                     at the paths it resolves them to, and the loader
#   etc/ssl/certs/ca-certificates.crt the system CA bundle (ca-certificates), for
#                                     registries admitd may verify images against
#   etc/passwd, etc/group             root and nonroot (65532), the user it runs as
#   tmp/                              1777, for --self-signed-cert-out's default
# OUT_DIR is replaced. Prints the tree's size.
set -euo pipefail
bin=${1:-build/admitd}
out=${2:-build/rootfs}
ca_bundle=/etc/ssl/certs/ca-certificates.crt
[ -x "$bin" ] || { echo "build-rootfs: no executable at $bin (build first: hack/test.sh)" >&2; exit 1; }
[ -f "$ca_bundle" ] || { echo "build-rootfs: $ca_bundle missing (apt-get install ca-certificates)" >&2; exit 1; }
case "$out" in "" | / | /usr | /etc) echo "build-rootfs: refusing to replace $out" >&2; exit 1 ;; esac

rm -rf "$out"
mkdir -p "$out/usr/local/bin" "$out/etc/ssl/certs" "$out/tmp"
chmod 1777 "$out/tmp"
cp "$bin" "$out/usr/local/bin/admitd"
if command -v strip >/dev/null 2>&1; then strip --strip-unneeded "$out/usr/local/bin/admitd"; fi

# Every library ldd resolves ("name => /path (addr)") and the loader itself
# ("/lib64/ld-linux-x86-64.so.2 (addr)"), copied as files (not symlinks) to
# the path the loader will look for them at. The vDSO has no file.
ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u >"$out.libs"
while read -r lib; do
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"
done <"$out.libs"
rm -f "$out.libs"
if grep -q 'not found' < <(ldd "$bin"); then
  echo "build-rootfs: ldd cannot resolve every library of $bin:" >&2
  ldd "$bin" | grep 'not found' >&2
  exit 1
fi

cp "$ca_bundle" "$out/etc/ssl/certs/ca-certificates.crt"
cat >"$out/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
cat >"$out/etc/group" <<'EOF'
root:x:0:
nonroot:x:65532:
EOF
chmod 644 "$out/etc/passwd" "$out/etc/group" "$out/etc/ssl/certs/ca-certificates.crt"

size=$(du -sb "$out" | cut -f1)
echo "build-rootfs: $out: $(find "$out" -type f | wc -l) files, $size bytes ($(du -sh "$out" | cut -f1))"
