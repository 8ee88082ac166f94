# SPDX-License-Identifier: GPL-2.0
#
# vhost-accel: out-of-tree vhost-net compatible accelerator.
#
#   make                  build drivers/vhost/vhost_accel.ko for KVER (or KDIR)
#   make install          install-module + install-tools (below); DESTDIR, PREFIX
#   make install-module   modules_install + depmod for that kernel
#   make install-tools    vhostctl, its man page and completion, the udev rule
#                         and the modules-load.d entry (no kernel build needed)
#   make uninstall        remove what install installed (uninstall-module,
#                         uninstall-tools)
#   make dkms-install     copy the source to /usr/src and register it with DKMS
#   make check            install test dependencies, run every test in QEMU on
#                         Debian's 6.1 and 6.12 kernels (TESTS=, KVER= restrict;
#                         REFERENCE=1 adds the nested guests' vhost-net halves)
#   make demo             boot a test VM and run tests/demo.sh on its console
#   make check-harness    self-test of tests/vm/run (3 short VM boots)
#   make check-debug      every test on a debug kernel (KASAN, lockdep, kmemleak,
#                         fault injection) built once from linux-source-6.1 and
#                         cached under ~/.cache/vhost-accel (TESTS= restricts)
#   make bench            benchmark vhost-accel against vhost-net in one VM boot
#                         (BENCH_ROUNDS=, BENCH_SECS=; see BENCHMARKS.md)
#   make style            checkpatch.pl on the module and uapi sources
#   make C=1 / C=2        sparse, passed through to kbuild
#   make clean

KVER_USER := $(KVER)
KDIR_USER := $(KDIR)
ifeq ($(KDIR),)
ifeq ($(KVER),)
# uname -r if its headers are installed, else the newest kernel that has them.
KVER := $(shell r=$$(uname -r); \
	if [ -d /lib/modules/$$r/build ]; then echo $$r; \
	else ls -d /lib/modules/*/build/Makefile 2>/dev/null | sort -V | tail -n 1 | cut -d/ -f4; fi)
endif
KDIR := /lib/modules/$(KVER)/build
else
ifeq ($(KVER),)
# Debian's kernel.release holds the upstream version; utsrelease.h has uname -r.
KVER := $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
endif
endif

DEPMOD ?= depmod
UDEVADM ?= udevadm
# Installed from a source tree, so under /usr/local by default: dpkg owns /usr.
# udev and systemd-modules-load also read /usr/local/lib/{udev/rules.d,
# modules-load.d}; packagers set PREFIX=/usr and stage with DESTDIR.
PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
MODULESLOADDIR ?= $(PREFIX)/lib/modules-load.d
# The module goes to /lib/modules whatever PREFIX is (modprobe looks nowhere
# else); DESTDIR stages it like the rest. kbuild's default directory for
# external modules differs between kernels (extra in 6.1, updates in 6.12):
# fix it, so that uninstall knows where to look.
INSTALL_MOD_PATH ?= $(DESTDIR)
INSTALL_MOD_DIR ?= updates
BUILD ?= $(CURDIR)/tests/.build
CHECKPATCH ?= $(BUILD)/checkpatch/scripts/checkpatch.pl
CHECKPATCH_FLAGS ?= --no-tree --strict --show-types --quiet
LINUX_SOURCE_TARBALL ?= $(lastword $(sort $(wildcard /usr/src/linux-source-6.1.tar.xz /usr/src/linux-source-6.1*.tar.xz)))
# the sources, not what kbuild generates beside them (vhost_accel.mod.c)
STYLE_FILES ?= $(filter-out %.mod.c,$(wildcard drivers/vhost/*.[ch] include/uapi/linux/*.h))
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$$/\1/p' dkms.conf 2>/dev/null)

# make check: the primary kernel runs every case, the second a subset.
# (Recursive: expanded after check-deps may have installed them.)
KVER_PRIMARY ?= $(shell ls -d /lib/modules/6.1.*/build/Makefile 2>/dev/null | sort -V | tail -n 1 | cut -d/ -f4)
KVER_SECOND ?= $(shell ls -d /lib/modules/6.12.*/build/Makefile 2>/dev/null | sort -V | tail -n 1 | cut -d/ -f4)
TESTS ?=
TESTS_SECOND ?= build vadriver dpdk
# 1: the "va-devices: accel" cases (nested guests) also run on vhost-net
REFERENCE ?=

MODULE := drivers/vhost/vhost_accel.ko

all: module

kdir-check:
	@if [ ! -e "$(KDIR)/Makefile" ]; then \
		if [ -n "$(KDIR_USER)" ]; then \
			echo "error: KDIR=$(KDIR) is not a kernel build tree (it has no Makefile)." >&2; \
		elif [ -z "$(KVER)" ]; then \
			echo "error: no kernel headers: no /lib/modules/*/build exists." >&2; \
		else \
			echo "error: no kernel headers for $(KVER): $(KDIR) does not exist." >&2; \
		fi; \
		echo "Install headers (Debian: apt-get install linux-headers-amd64, or the" >&2; \
		echo "linux-headers-<release> package of the kernel you build for)," >&2; \
		echo "or point KDIR= at a configured kernel build tree." >&2; \
		exit 1; \
	fi
	@echo "building against $(KVER) ($(KDIR))"

module: kdir-check
	$(MAKE) -C $(KDIR) M=$(CURDIR)/drivers/vhost modules

clean:
	@if [ -e "$(KDIR)/Makefile" ]; then \
		$(MAKE) -C $(KDIR) M=$(CURDIR)/drivers/vhost clean; \
	else \
		rm -f drivers/vhost/*.o drivers/vhost/*.ko drivers/vhost/*.mod drivers/vhost/*.mod.c \
			drivers/vhost/.*.cmd drivers/vhost/modules.order drivers/vhost/Module.symvers; \
	fi
	@if [ -e tests/vadriver/Makefile ]; then $(MAKE) -C tests/vadriver clean; fi
	@if [ -e tests/vafuzz/Makefile ]; then $(MAKE) -C tests/vafuzz clean; fi
	@if [ -e tools/vhostctl/Makefile ]; then $(MAKE) -C tools/vhostctl clean; fi

# Distribution kernels sign every module at modules_install with a key only
# their builder has; without it sign-file prints SSL errors. Skip signing then.
SIG_KEY = $(shell sed -n 's/^CONFIG_MODULE_SIG_KEY="\(.*\)"$$/\1/p' $(KDIR)/.config 2>/dev/null)
SIG_KEY_PATH = $(if $(filter /% pkcs11:%,$(SIG_KEY)),$(SIG_KEY),$(KDIR)/$(SIG_KEY))
NO_SIGN = $(if $(SIG_KEY),$(if $(filter pkcs11:%,$(SIG_KEY))$(wildcard $(SIG_KEY_PATH)),,CONFIG_MODULE_SIG_ALL=))

install: install-module install-tools

install-module: module
	$(if $(NO_SIGN),@echo "not signing vhost_accel.ko: $(SIG_KEY_PATH) does not exist" \
		"(with Secure Boot, sign it with your own enrolled key, or install with DKMS)")
	$(MAKE) -C $(KDIR) M=$(CURDIR)/drivers/vhost $(NO_SIGN) \
		$(if $(INSTALL_MOD_PATH),INSTALL_MOD_PATH=$(INSTALL_MOD_PATH)) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) modules_install
	$(DEPMOD) $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) -a $(KVER)

# modules_install may have compressed it (CONFIG_MODULE_COMPRESS_*).
MODULE_DEST = $(INSTALL_MOD_PATH)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)/vhost_accel.ko
uninstall-module:
	@[ -n "$(KVER)" ] || { echo "error: no kernel release: pass KVER=" >&2; exit 1; }
	rm -f $(MODULE_DEST) $(MODULE_DEST).gz $(MODULE_DEST).xz $(MODULE_DEST).zst
	$(DEPMOD) $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) -a $(KVER)

# Only on the live system (no DESTDIR): make the running udev read the rule
# and apply it to a /dev/vhost-accel that already exists. Without udev (a
# container, a chroot) the rule still takes effect at the next boot.
UDEV_RELOAD = if [ -z "$(DESTDIR)" ] && command -v $(UDEVADM) >/dev/null; then \
		$(UDEVADM) control --reload && \
		$(UDEVADM) trigger --action=add --subsystem-match=misc --sysname-match=vhost-accel || \
		echo "note: udev did not reload its rules; they apply at the next boot"; \
	fi

# Everything but the module: needs no kernel headers, and writes nothing into
# the source tree once vhostctl is built (so it installs from a read-only one).
install-tools:
	$(MAKE) -C tools/vhostctl install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) \
		SBINDIR=$(SBINDIR) MANDIR=$(MANDIR) COMPLETIONDIR=$(COMPLETIONDIR)
	install -D -m 644 udev/60-vhost-accel.rules $(DESTDIR)$(UDEVRULESDIR)/60-vhost-accel.rules
	install -D -m 644 modules-load.d/vhost-accel.conf $(DESTDIR)$(MODULESLOADDIR)/vhost-accel.conf
	@$(UDEV_RELOAD)

# Directories stay: install may not have been the one that made them.
uninstall-tools:
	$(MAKE) -C tools/vhostctl uninstall DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) \
		SBINDIR=$(SBINDIR) MANDIR=$(MANDIR) COMPLETIONDIR=$(COMPLETIONDIR)
	rm -f $(DESTDIR)$(UDEVRULESDIR)/60-vhost-accel.rules $(DESTDIR)$(MODULESLOADDIR)/vhost-accel.conf
	@if [ -z "$(DESTDIR)" ] && command -v $(UDEVADM) >/dev/null; then $(UDEVADM) control --reload || :; fi

uninstall: uninstall-tools uninstall-module

.PHONY: install-module install-tools uninstall uninstall-module uninstall-tools

DKMS_SRC = $(DESTDIR)/usr/src/vhost-accel-$(DKMS_VERSION)
dkms-install:
	@[ -n "$(DKMS_VERSION)" ] || { echo "error: no PACKAGE_VERSION in dkms.conf" >&2; exit 1; }
	install -d $(DKMS_SRC)/drivers/vhost $(DKMS_SRC)/include/uapi/linux
	install -m 644 Makefile dkms.conf LICENSE $(DKMS_SRC)/
	install -m 644 drivers/vhost/Kbuild drivers/vhost/*.[ch] $(DKMS_SRC)/drivers/vhost/
	install -m 644 include/uapi/linux/*.h $(DKMS_SRC)/include/uapi/linux/
	@echo "now: dkms add vhost-accel/$(DKMS_VERSION) && dkms install vhost-accel/$(DKMS_VERSION)"

tools:
	@if [ -e tests/vadriver/Makefile ]; then $(MAKE) -C tests/vadriver; fi
	@if [ -e tests/vafuzz/Makefile ]; then $(MAKE) -C tests/vafuzz; fi
	@if [ -e tools/vhostctl/Makefile ]; then $(MAKE) -C tools/vhostctl; fi

deps:
	scripts/install-deps base

check-deps:
	scripts/install-deps base second-kernel

# No $(MAKE) in this recipe: make -n would run it (and every test) anyway.
check: check-deps
	VA_KVER_ONLY="$(KVER_USER)" TESTS="$(TESTS)" VA_REFERENCE="$(REFERENCE)" \
	VA_KVER_PRIMARY="$(KVER_PRIMARY)" VA_KVER_SECOND="$(KVER_SECOND)" \
	VA_TESTS_SECOND="$(TESTS_SECOND)" tests/vm/check

# The harness's own test: cases that fail, hang, crash and warn must count.
check-harness: deps
	tests/vm/selftest/run --kver $(KVER_PRIMARY)

# Not part of check: one VM boot, about a quarter of an hour (BENCHMARKS.md).
bench:
	BENCH_ROUNDS="$(BENCH_ROUNDS)" BENCH_SECS="$(BENCH_SECS)" KVER="$(if $(KVER_USER),$(KVER_USER),$(KVER_PRIMARY))" \
	scripts/bench

# Not part of check: the first run builds a kernel (README.md has the times).
check-debug: deps
	scripts/install-deps style
	tests/debug-kernel/check $(TESTS)

demo: deps
	$(MAKE) module KVER=$(KVER_PRIMARY)
	$(MAKE) tools
	tests/vm/run --kver $(KVER_PRIMARY) tests/demo.sh

$(CHECKPATCH):
	@[ -n "$(LINUX_SOURCE_TARBALL)" ] || { \
		echo "error: no /usr/src/linux-source-6.1.tar.xz: run scripts/install-deps style" >&2; exit 1; }
	@echo "extracting checkpatch.pl from $(LINUX_SOURCE_TARBALL)"
	@mkdir -p $(BUILD)/checkpatch
	tar -C $(BUILD)/checkpatch --strip-components=1 --wildcards -xJf $(LINUX_SOURCE_TARBALL) \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
	@touch $@

style:
	scripts/install-deps style
	$(MAKE) --no-print-directory $(CHECKPATCH)
	$(CHECKPATCH) $(CHECKPATCH_FLAGS) -f $(STYLE_FILES)
	@echo "checkpatch: no problems in $(words $(STYLE_FILES)) files"

.PHONY: all module kdir-check clean install dkms-install tools deps check-deps check check-harness check-debug demo style bench
