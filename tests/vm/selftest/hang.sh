#!/bin/bash
# va-devices: none
# va-timeout: 2000
sleep 1000
