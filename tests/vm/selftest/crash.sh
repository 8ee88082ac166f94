#!/bin/bash
# va-devices: none
echo 1 >/proc/sys/kernel/sysrq
echo c >/proc/sysrq-trigger
