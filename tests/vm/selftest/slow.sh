#!/bin/bash
# va-devices: none
# va-timeout: 5
sleep 1000 &
sleep 100
