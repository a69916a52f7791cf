# shellcheck shell=bash
# Fetches the guest kernel for ci/numa-vm.sh (sourced by it): Debian's
# cloud kernel image, downloaded with apt-get download and unpacked into
# the cache folder without installing the package, which would pull in
# initramfs-tools and udev.

# The metapackage that depends on the current versioned cloud kernel.
kernel_metapackage=linux-image-cloud-amd64

# Prints the versioned kernel package the metapackage's candidate depends
# on, such as linux-image-6.1.0-57-cloud-amd64, or nothing.
resolve_kernel_package() {
  apt-cache show --no-all-versions "$kernel_metapackage" 2>/dev/null |
    sed -n 's/^Depends: \(linux-image-[^ ,]*\).*/\1/p' | head -n 1
}

# Prints the newest kernel image already in the cache, or nothing.
newest_cached_kernel() {
  find "$cache_dir" -path '*/boot/vmlinuz-*' -type f 2>/dev/null | sort -V | tail -n 1
}

# download_kernel PACKAGE DIRECTORY: unpacks ./boot of PACKAGE into DIRECTORY.
download_kernel() {
  local package=$1 directory=$2
  local download=$cache_dir/download.$$
  rm -rf "$download" "$directory.partial"
  mkdir -p "$download" "$directory.partial"

  echo "$program: downloading $package with apt-get download"
  if ! (cd "$download" && apt-get download "$package") >"$download.log" 2>&1; then
    cat "$download.log" >&2
    rm -rf "$download" "$download.log"
    fail "apt-get download $package failed; run apt-get update, or pass --kernel PATH"
  fi

  local deb
  deb=$(find "$download" -name '*.deb' | head -n 1)
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$directory.partial" ./boot ||
    fail "unpacking ./boot from $deb failed"
  mv "$directory.partial" "$directory"
  rm -rf "$download" "$download.log"
}

# The kernel must find the NUMA nodes in QEMU's ACPI tables (SRAT, SLIT)
# and write to 8250 serial ports without modules, because the initramfs
# holds none.
check_kernel_config() {
  local config=$1 option
  [ -f "$config" ] || return 0
  for option in CONFIG_NUMA CONFIG_ACPI_NUMA CONFIG_SERIAL_8250 CONFIG_SERIAL_8250_CONSOLE \
    CONFIG_BLK_DEV_INITRD CONFIG_DEVTMPFS CONFIG_MIGRATION; do
    grep -q "^$option=y$" "$config" ||
      fail "kernel $kernel lacks $option=y (checked in $config); it cannot run the tests"
  done
}

# Sets kernel to the image to boot: --kernel, else the cached or freshly
# downloaded cloud kernel. A lock keeps parallel runs from downloading at
# the same time.
fetch_kernel() {
  if [ -n "$kernel" ]; then
    [ -f "$kernel" ] || fail "kernel image '$kernel' not found"
    return
  fi

  mkdir -p "$cache_dir"
  exec 9>"$cache_dir/.lock"
  flock -w 600 9 || fail "timed out waiting for the lock on $cache_dir/.lock"

  local package
  package=$(resolve_kernel_package)
  if [ -z "$package" ]; then
    kernel=$(newest_cached_kernel)
    [ -n "$kernel" ] ||
      fail "apt-cache knows no $kernel_metapackage; run apt-get update, or pass --kernel PATH"
    echo "$program: apt-cache knows no $kernel_metapackage; using the cached $kernel"
  else
    local directory=$cache_dir/$package
    if [ ! -d "$directory" ]; then
      download_kernel "$package" "$directory"
    fi
    kernel=$directory/boot/vmlinuz-${package#linux-image-}
    [ -f "$kernel" ] || fail "$package has no $kernel; remove $directory and retry"
  fi

  exec 9>&-
  check_kernel_config "$(dirname "$kernel")/config-${kernel##*/vmlinuz-}"
}
