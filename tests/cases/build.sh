#!/bin/bash
# va-devices: none
# va-timeout: 60
#
# The module as built: it loaded into this kernel on its own, without the
# kernel's vhost.ko / vhost_iotlb.ko / vhost_net.ko (design.md: it must load on
# a kernel built without CONFIG_VHOST), and it made /dev/vhost-accel.
set -euo pipefail

ko=$VA_ROOT/drivers/vhost/vhost_accel.ko
fail=0
bad() { echo "FAIL: $*"; fail=1; }

[[ -e $ko ]] || { echo "FAIL: $ko does not exist: run 'make KVER=$VA_KVER' on the host"; exit 1; }

echo "modinfo $ko:"
modinfo "$ko" | grep -E '^(filename|license|vermagic|depends|alias|description|version|srcversion):' | sed 's/^/  /'

vermagic=$(modinfo -F vermagic "$ko")
[[ ${vermagic%% *} == "$VA_KVER" ]] ||
	bad "built for ${vermagic%% *}, this kernel is $VA_KVER"
[[ $(modinfo -F license "$ko") == GPL* ]] ||
	bad "MODULE_LICENSE is '$(modinfo -F license "$ko")', want GPL (design.md)"

depends=$(modinfo -F depends "$ko")
for m in vhost vhost_iotlb vhost_net; do
	[[ ",$depends," != *",$m,"* ]] ||
		bad "depends on the kernel's $m.ko (depends: $depends)"
done

if [[ ! -d /sys/module/vhost_accel ]]; then
	bad "vhost_accel is not loaded (the harness's insmod failed; see its test point)"
else
	echo "loaded: $(cat /sys/module/vhost_accel/initstate 2>/dev/null || echo '?')," \
		"taint $(cat /sys/module/vhost_accel/taint 2>/dev/null)"
	for m in vhost vhost_iotlb vhost_net; do
		[[ ! -e /sys/module/$m/holders/vhost_accel ]] ||
			bad "vhost_accel holds a reference on $m (/sys/module/$m/holders/vhost_accel)"
	done
fi

if [[ -c /dev/vhost-accel ]]; then
	echo "device: $(ls -l /dev/vhost-accel)"
	exec 3<>/dev/vhost-accel || bad "cannot open /dev/vhost-accel"
	exec 3>&-
else
	bad "/dev/vhost-accel is not a character device"
fi

[[ $fail -eq 0 ]] && echo "vhost_accel.ko loads alone and provides /dev/vhost-accel"
exit "$fail"
