#!/bin/bash
# va-devices: none
echo "failing on purpose"
exit 1
