#!/usr/bin/env bash
# make vm-check: the box on a machine with only cgroup v2 (this one may be a
# v1 hybrid). Boots Debian's own kernel (linux-image-amd64's) in QEMU, with
# KVM where /dev/kvm is usable and TCG otherwise, on an initramfs made of a
# minimal Debian 12 (debootstrap) with the runtime packages and this tree,
# and runs tests/vm/inside.sh there: tests/box.t and the v2 limits as root,
# as an ordinary user with a delegated subtree (as systemd gives users),
# and as one without. Prints the guest's TAP and ends with its summary.
# Needs root (debootstrap, chroot), qemu-system-x86, debootstrap and apt;
# it installs what is missing. The kernel and the root filesystem are kept
# in $VM_CACHE (default build/vm) for the next run.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
cache=${VM_CACHE:-$here/build/vm}
[ "$(id -u)" = 0 ] || { echo "vm-check: needs root (debootstrap, chroot)" >&2; exit 2; }
[ -x "$here/build/ipcgrade" ] || { echo "vm-check: build first (make)" >&2; exit 2; }
for p in qemu-system-x86_64:qemu-system-x86 debootstrap:debootstrap cpio:cpio; do
	command -v "${p%%:*}" >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"${p#*:}" >/dev/null 2>&1 || { echo "vm-check: cannot install ${p#*:}" >&2; exit 2; }
done
mkdir -p "$cache"

# Debian's kernel: the version the linux-image-amd64 package depends on
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$kpkg" ] || { echo "vm-check: apt knows no linux-image-amd64 (apt-get update?)" >&2; exit 2; }
if ! ls "$cache/kernel/boot/vmlinuz-"* >/dev/null 2>&1; then
	echo "vm-check: fetching $kpkg"
	(cd "$cache" && rm -f linux-image-*.deb && apt-get download -qq "$kpkg" >/dev/null 2>&1) ||
		{ echo "vm-check: apt-get download $kpkg failed" >&2; exit 2; }
	dpkg -x "$cache"/linux-image-*.deb "$cache/kernel" || exit 2
fi
kernel=$(ls "$cache/kernel/boot/vmlinuz-"* | head -n 1)

# the root: minbase plus what the box and its tests need at run time
pkgs="gcc libc6-dev make libseccomp2 libjansson4 libxml2 jq procps util-linux"
if [ ! -f "$cache/rootfs/.ready" ]; then
	mirror=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1 | awk '{print $2}')
	rm -rf "$cache/rootfs"
	echo "vm-check: making the guest's root with debootstrap (a few minutes, once)"
	debootstrap --variant=minbase bookworm "$cache/rootfs" "${mirror:-http://deb.debian.org/debian}" \
		>"$cache/debootstrap.log" 2>&1 || { echo "vm-check: debootstrap failed, see $cache/debootstrap.log" >&2; exit 2; }
	cp /etc/resolv.conf "$cache/rootfs/etc/resolv.conf" 2>/dev/null
	chroot "$cache/rootfs" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs && apt-get clean && rm -rf /var/lib/apt/lists/* /usr/share/doc /usr/share/man /usr/share/locale" \
		>"$cache/packages.log" 2>&1 || { echo "vm-check: installing $pkgs failed, see $cache/packages.log" >&2; exit 2; }
	chroot "$cache/rootfs" useradd -m -u 1000 student
	touch "$cache/rootfs/.ready"
fi

# this tree, beside the cached root, into one initramfs
stage=$(mktemp -d /var/tmp/ipcgrade-vm.XXXXXX)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/extra/ipcgrade/build"
cp "$here/build/ipcgrade" "$here/build/ipcbox" "$stage/extra/ipcgrade/build/"
for d in tests graders reference assignments; do cp -r "$here/$d" "$stage/extra/ipcgrade/"; done
chmod -R a+rX "$stage/extra/ipcgrade"
cat >"$stage/extra/init" <<'INIT'
#!/bin/sh
# the initramfs's root cannot be pivoted: copy it to a tmpfs and switch
mount -t proc proc /proc
mkdir -p /newroot && mount -t tmpfs -o size=2400m tmpfs /newroot
tar -C / --exclude=./proc --exclude=./newroot -cf - . | tar -C /newroot -xf -
mkdir -p /newroot/proc && umount /proc
exec switch_root /newroot /init2
INIT
cat >"$stage/extra/init2" <<'INIT'
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mkdir -p /dev/shm /dev/pts; mount -t tmpfs -o mode=1777 tmpfs /dev/shm; mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t cgroup2 none /sys/fs/cgroup
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root
sh /ipcgrade/tests/vm/inside.sh
echo o > /proc/sysrq-trigger
# not a wait for anything: pid 1 must not exit (the kernel would panic)
# while the power-off it has just asked for goes on
sleep 60
INIT
chmod 755 "$stage/extra/init" "$stage/extra/init2"
echo "vm-check: packing the initramfs"
(cd "$cache/rootfs" && find . ! -name .ready | cpio -o -H newc --quiet) >"$stage/root.cpio" &&
(cd "$stage/extra" && { find ipcgrade; echo init; echo init2; } |
	cpio -o -H newc --quiet >>"$stage/root.cpio") ||
	{ echo "vm-check: cannot pack the initramfs" >&2; exit 2; }

accel=tcg
[ -w /dev/kvm ] && accel=kvm
# no_timer_check: under TCG on a busy host the kernel's check that the
# timer interrupt works can fail, and it panics ("IO-APIC + timer doesn't
# work")
echo "vm-check: booting $(basename "$kernel") ($accel), cgroup v2 only"
log=$cache/console.log
out=$stage/console.log
timeout 3000 qemu-system-x86_64 -machine accel=$accel -m 3072 -smp 2 -nographic -no-reboot \
	-kernel "$kernel" -initrd "$stage/root.cpio" \
	-append "console=ttyS0 quiet panic=-1 no_timer_check rdinit=/init" \
	</dev/null 2>&1 | stdbuf -oL tr -d '\r' | tee "$out" | grep -E '^(ok|not ok|#|VM:|[0-9]+ passed)'
cp "$out" "$log"
grep -q '^VM: done' "$out" || { echo "vm-check: the guest did not finish, see $log" >&2; exit 1; }
! grep -q '^not ok' "$out"
