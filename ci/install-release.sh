#!/usr/bin/env bash
# Installs one tkt release for the GitHub Action (action.yml): the archive
# for this runner from the releases of the repository the Action comes
# from, verified against its published SHA-256, unpacked into the tool
# cache and put on PATH. Nothing is run before the checksum matches.
set -euo pipefail

version=${TKT_VERSION:-${TKT_ACTION_REF#v}}
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([.+-][0-9A-Za-z.-]+)?$ ]] || {
  echo "::error::tkt: set the Action's 'version' input (e.g. 0.1.0) or use it at a release tag, not '$version'"
  exit 1
}
case "${RUNNER_OS}-${RUNNER_ARCH}" in
  Linux-X64) target=x86_64-unknown-linux-musl ext=tar.gz ;;
  Linux-ARM64) target=aarch64-unknown-linux-musl ext=tar.gz ;;
  macOS-X64) target=x86_64-apple-darwin ext=tar.gz ;;
  macOS-ARM64) target=aarch64-apple-darwin ext=tar.gz ;;
  Windows-X64) target=x86_64-pc-windows-msvc ext=zip ;;
  *) echo "::error::tkt: no release for ${RUNNER_OS} ${RUNNER_ARCH}"; exit 1 ;;
esac
name="tkt-${version}-${target}"
base="${GITHUB_SERVER_URL}/${TKT_ACTION_REPOSITORY}/releases/download/v${version}"
dir="${RUNNER_TOOL_CACHE:-$RUNNER_TEMP}/tkt/${version}/${target}"
mkdir -p "$dir"
cd "$dir"
curl --fail --silent --show-error --location --retry 3 -o "${name}.${ext}" "${base}/${name}.${ext}"
curl --fail --silent --show-error --location --retry 3 -o "${name}.${ext}.sha256" "${base}/${name}.${ext}.sha256"
expected=$(cut -d' ' -f1 "${name}.${ext}.sha256")
if command -v sha256sum >/dev/null; then
  actual=$(sha256sum "${name}.${ext}" | cut -d' ' -f1)
else
  actual=$(shasum -a 256 "${name}.${ext}" | cut -d' ' -f1)
fi
if [[ -z $expected || $expected != "$actual" ]]; then
  echo "::error::tkt: ${name}.${ext} does not match its published SHA-256 (expected ${expected}, got ${actual})"
  exit 1
fi
if [[ $ext == zip ]]; then
  unzip -oq "${name}.${ext}"
  binary="$dir/${name}/tkt.exe"
else
  tar -xzf "${name}.${ext}"
  binary="$dir/${name}/tkt"
fi
echo "$dir/${name}" >>"$GITHUB_PATH"
echo "path=${binary}" >>"$GITHUB_OUTPUT"
"$binary" --version
