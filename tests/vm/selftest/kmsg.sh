#!/bin/bash
# va-devices: none
# Passes itself; the two kernel lines must each fail the run, the
# userspace line must not.
echo 'WARNING: selftest warning' >/dev/kmsg
echo '<6>kmemleak: 1 new suspected memory leaks (selftest)' >/dev/kmsg
echo "WARNING: printed by userspace, not a kernel line"
