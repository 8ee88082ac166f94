#!/bin/bash
# va-devices: none
# va-timeout: 420
#
# make install and make uninstall, as an operator runs them:
#
#   (1) install-tools from the read-only tree into DESTDIR=$VA_TMP/root: the
#       tools part must install from a built tree without writing into it
#   (2) install (module + tools) into the same DESTDIR, the module taken as
#       built: it lands under lib/modules/$KVER/updates and the staged depmod
#       resolves it, as does the modules-load.d entry
#   (3) every file with its mode; man -l renders the page; bash-completion
#       finds the installed completion by its path and completes words
#   (4) the udev rule for real: systemd-udevd on a tmpfs /etc/udev/rules.d;
#       a live install (no DESTDIR; PREFIX in $VA_TMP, the rule in that
#       tmpfs) reloads udev and re-triggers /dev/vhost-accel, which turns
#       group kvm, mode 0660 (and was not before)
#   (5) make uninstall leaves none of our files, and depmod forgets the module
set -uo pipefail

T=$VA_TMP
D=$T/root
KVER=$VA_KVER
DEV=/dev/vhost-accel
RULES=/etc/udev/rules.d
fails=0

log() { printf '%s\n' "$*"; }
ok() { log "ok: $*"; }
bad() { log "FAIL: $*"; fails=$((fails + 1)); }

# Run make on the tree, showing its output only when it fails.
mk() {
	if ! make --no-print-directory -C "$VA_ROOT" "$@" >"$T/make.log" 2>&1; then
		sed 's/^/  make: /' "$T/make.log"
		return 1
	fi
}

[[ -x $VA_ROOT/tools/vhostctl/vhostctl ]] ||
	{ log "FAIL: vhostctl not built: run 'make tools' on the host"; exit 1; }
[[ -e $VA_ROOT/drivers/vhost/vhost_accel.ko ]] ||
	{ log "FAIL: vhost_accel.ko not built: run 'make KVER=$KVER' on the host"; exit 1; }
[[ -c $DEV ]] || { log "FAIL: $DEV missing: vhost_accel.ko is not loaded"; exit 1; }
[[ -r /usr/share/bash-completion/bash_completion ]] ||
	{ log "FAIL: bash-completion is not installed on the host: run scripts/install-deps"; exit 1; }

udevd_pid=
rules_mounted=
dev_owner=$(stat -c '%u:%g' "$DEV")
dev_mode=$(stat -c '%a' "$DEV")
cleanup() {
	set +e
	if [[ -n $udevd_pid ]]; then
		udevadm control --exit 2>/dev/null
		kill "$udevd_pid" 2>/dev/null
		wait "$udevd_pid" 2>/dev/null
	fi
	[[ -n $rules_mounted ]] && umount "$RULES"
	# Later cases expect the node as the harness left it.
	chown "$dev_owner" "$DEV"
	chmod "$dev_mode" "$DEV"
}
trap cleanup EXIT

# want_file PATH MODE: PATH is a regular file with that octal mode.
want_file() {
	local m
	if [[ ! -f $1 ]]; then
		bad "${1#"$D"} was not installed"
		return 1
	fi
	m=$(stat -c '%a' "$1")
	[[ $m == "$2" ]] || { bad "${1#"$D"} has mode $m, want $2"; return 1; }
	ok "${1#"$D"} ($m)"
}

# --- (1) tools from the read-only tree ---------------------------------------
if touch "$VA_ROOT/.va-rw-probe" 2>/dev/null; then
	rm -f "$VA_ROOT/.va-rw-probe"
	bad "$VA_ROOT is writable: this part proves nothing"
fi
if mk install-tools DESTDIR="$D"; then
	ok "make install-tools DESTDIR=... from the read-only tree"
else
	bad "make install-tools DESTDIR=... failed on the read-only tree"
fi
want_file "$D/usr/local/sbin/vhostctl" 755

# --- (2) the whole install, module included ----------------------------------
# -o module: take the module as built (the host's make built it; the harness
# checked its vermagic). Its up-to-date check alone stats every kernel header
# over 9p, minutes on a busy host. kbuild's modules_install still runs, and
# prints that it cannot create its scratch directories in the read-only tree.
if mk -o module install DESTDIR="$D" KVER="$KVER"; then
	ok "make install DESTDIR=... KVER=$KVER from the read-only tree"
else
	bad "make install DESTDIR=... KVER=$KVER failed"
fi

# --- (3) each file --------------------------------------------------------------
ko=
for f in "$D/lib/modules/$KVER/updates"/vhost_accel.ko{,.gz,.xz,.zst}; do
	[[ -f $f ]] && ko=$f
done
if [[ -z $ko ]]; then
	bad "no vhost_accel.ko under /lib/modules/$KVER/updates"
	find "$D/lib" -name 'vhost_accel*' | sed 's/^/  found: /'
else
	want_file "$ko" 644
	v=$(modinfo -F vermagic "$ko")
	[[ ${v%% *} == "$KVER" ]] && ok "installed module is for $KVER" ||
		bad "installed module's vermagic is '$v'"
fi
deps=$(modprobe -d "$D" -S "$KVER" --show-depends vhost_accel 2>&1)
if [[ $deps == *"insmod $D/lib/modules/$KVER/updates/vhost_accel.ko"* ]]; then
	ok "depmod in DESTDIR resolves vhost_accel: $deps"
else
	bad "modprobe -d DESTDIR --show-depends vhost_accel: $deps"
fi

if want_file "$D/usr/local/sbin/vhostctl" 755; then
	cmp -s "$D/usr/local/sbin/vhostctl" "$VA_ROOT/tools/vhostctl/vhostctl" ||
		bad "installed vhostctl differs from tools/vhostctl/vhostctl"
fi
v=$("$D/usr/local/sbin/vhostctl" -V 2>&1) && ok "vhostctl -V: $v" || bad "vhostctl -V: $v"

man8=$D/usr/local/share/man/man8/vhostctl.8
if want_file "$man8" 644; then
	out=$(MANWIDTH=80 man -P cat -l "$man8" 2>"$T/man.err")
	if [[ $out == *SYNOPSIS* && $out == *"vhostctl - "* ]]; then
		ok "man -l renders $(wc -l <<<"$out") lines"
	else
		bad "man -l did not render the page:"
		head -n 20 <<<"$out"$'\n'"$(cat "$T/man.err")" | sed 's/^/  /'
	fi
fi

comp=$D/usr/local/share/bash-completion/completions/vhostctl
if want_file "$comp" 644; then
	# bash-completion loads a command's completion on demand from
	# $XDG_DATA_DIRS/bash-completion/completions/NAME: let it find ours.
	# complete WORD... prints what completing the last word offers.
	out=$(XDG_DATA_DIRS=$D/usr/local/share:/usr/share bash -c '
		. /usr/share/bash-completion/bash_completion
		__load_completion vhostctl || exit 1
		complete -p vhostctl
		complete_words() {
			COMP_WORDS=("$@")
			COMP_CWORD=$(($# - 1))
			COMP_LINE="$*"
			COMP_POINT=${#COMP_LINE}
			COMPREPLY=()
			_vhostctl vhostctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
			echo "$* -> ${COMPREPLY[*]}"
		}
		complete_words vhostctl d
		complete_words vhostctl dev s
		complete_words vhostctl link add x type ""
	' 2>&1)
	log "$out" | sed 's/^/  /'
	for want in "complete -F _vhostctl vhostctl" "vhostctl d -> dev" \
		"vhostctl dev s -> show stats" "vhostctl link add x type  -> tap macvtap"; do
		grep -qxF -- "$want" <<<"$out" || bad "bash completion: no line '$want'"
	done
	grep -qxF "vhostctl d -> dev" <<<"$out" && ok "bash completion completes vhostctl d<TAB> to dev"
fi

rule=$D/usr/local/lib/udev/rules.d/60-vhost-accel.rules
want_file "$rule" 644
cmp -s "$rule" "$VA_ROOT/udev/60-vhost-accel.rules" || bad "installed udev rule differs from the tree's"
conf=$D/usr/local/lib/modules-load.d/vhost-accel.conf
if want_file "$conf" 644; then
	# systemd-modules-load: one module name per line, # comments.
	names=$(grep -v -e '^[[:space:]]*[#;]' -e '^[[:space:]]*$' "$conf")
	[[ $names == vhost_accel ]] && ok "modules-load.d entry loads: $names" ||
		bad "modules-load.d entry names '$names', want vhost_accel"
fi

# --- (4) the udev rule, live ----------------------------------------------------
getent group kvm >/dev/null && ok "group kvm exists: $(getent group kvm)" ||
	bad "no group kvm in /etc/group"
before=$(stat -c '%G %a' "$DEV")
log "before: $DEV is $before"
[[ $before != "kvm 660" ]] || bad "$DEV is already group kvm mode 660: the udev check proves nothing"

# The VM's own tmpfs over the host's rules dir: the live install writes there.
mount -t tmpfs -o mode=755 tmpfs "$RULES" && rules_mounted=1 || bad "cannot mount tmpfs on $RULES"
if pgrep -x systemd-udevd >/dev/null; then
	log "systemd-udevd already runs"
else
	/lib/systemd/systemd-udevd >"$T/udevd.log" 2>&1 &
	udevd_pid=$!
	for _ in $(seq 50); do
		udevadm control --ping 2>/dev/null && break
		kill -0 "$udevd_pid" 2>/dev/null || break
		sleep 0.2
	done
	if udevadm control --ping 2>/dev/null; then
		ok "started systemd-udevd (pid $udevd_pid)"
	else
		bad "systemd-udevd did not come up:"
		sed 's/^/  udevd: /' "$T/udevd.log"
	fi
fi

# Control: an add event with Debian's rules alone leaves the node as it was.
udevadm trigger --action=add --subsystem-match=misc --sysname-match=vhost-accel
udevadm settle --timeout=30
now=$(stat -c '%G %a' "$DEV")
[[ $now == "$before" ]] && ok "without our rule, an add event leaves $DEV at $now" ||
	bad "without our rule, an add event made $DEV '$now' (was '$before')"

# The live install reloads udev and re-triggers the device itself.
L=$T/live
if mk install-tools PREFIX="$L" UDEVRULESDIR="$RULES"; then
	ok "make install-tools PREFIX=$L UDEVRULESDIR=$RULES (no DESTDIR)"
else
	bad "live make install-tools failed"
fi
grep -i 'udev' "$T/make.log" | sed 's/^/  make: /'
udevadm settle --timeout=30
after=$(stat -c '%G %a' "$DEV")
if [[ $after == "kvm 660" ]]; then
	ok "after make install, $DEV is $after"
else
	bad "after make install, $DEV is '$after', want 'kvm 660'"
	udevadm test "$(udevadm info -q path -n "$DEV")" 2>&1 | grep -iE 'rules|GROUP|MODE' | head -n 20 | sed 's/^/  udevadm test: /'
fi
if mk uninstall-tools PREFIX="$L" UDEVRULESDIR="$RULES"; then
	left=$(find "$L" "$RULES" -type f)
	[[ -z $left ]] && ok "live make uninstall-tools removed its files" ||
		bad "live make uninstall-tools left: $left"
else
	bad "live make uninstall-tools failed"
fi

# --- (5) uninstall ---------------------------------------------------------------
if mk uninstall DESTDIR="$D" KVER="$KVER"; then
	ok "make uninstall DESTDIR=... from the read-only tree"
else
	bad "make uninstall DESTDIR=... failed"
fi
# depmod's own indexes (lib/modules/KVER/modules.*) stay, and so do directories.
left=$(find "$D" -type f ! -path "$D/lib/modules/$KVER/modules.*")
[[ -z $left ]] && ok "nothing of ours is left in DESTDIR" || bad "make uninstall left: $left"
if grep -rqs vhost_accel "$D/lib/modules/$KVER/modules.dep"; then
	bad "modules.dep still lists vhost_accel after uninstall"
else
	ok "depmod forgot vhost_accel"
fi

[[ $fails -eq 0 ]] || { log "$fails check(s) failed"; exit 1; }
log "make install / uninstall: every file where it belongs; udev gives $DEV to kvm"
