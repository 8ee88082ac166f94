#!/bin/bash
# va-devices: none
# Passes but leaves a process holding its output open: the harness must
# kill it and carry on.
sleep 1000 &
echo "left a sleeper behind"
