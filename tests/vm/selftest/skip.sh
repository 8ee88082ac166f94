#!/bin/bash
# va-devices: both
echo "SKIP: skipping on purpose"
exit 4
