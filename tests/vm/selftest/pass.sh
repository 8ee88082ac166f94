#!/bin/bash
# va-devices: none
# Harness self-test: passes, and checks the environment a case is promised.
set -euo pipefail
[[ -d $VA_TMP && -w $VA_TMP && -z $(ls -A "$VA_TMP") ]]
[[ -r $VA_ROOT/tests/README.md && $VA_BUILD == "$VA_ROOT/tests/.build" ]]
[[ $VA_KVER == "$(uname -r)" && -z $VA_DEV ]]
[[ -c /dev/vhost-net && -L /dev/fd && $(cat <(echo x)) == x ]]
[[ $(cat /proc/sys/vm/nr_hugepages) -gt 0 ]] && mountpoint -q /dev/hugepages
[[ $(ip -o link show lo) == *UP* ]]
echo "environment as promised"
