// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_accel: a vhost-net compatible accelerator that carries its own
 * ring, memory and worker code, so it loads where the kernel's vhost does
 * not exist.
 */

#include <linux/module.h>

#include "chardev.h"
#include "netlink.h"

static int __init va_module_init(void)
{
	int ret;

	ret = va_nl_init();
	if (ret)
		goto err_netlink;
	ret = va_chardev_init();
	if (ret)
		goto err_chardev;
	pr_info("ready: /dev/vhost-accel\n");
	return 0;

err_chardev:
	va_nl_uninit();
err_netlink:
	return ret;
}

static void __exit va_module_exit(void)
{
	va_chardev_uninit();
	va_nl_uninit();
}

module_init(va_module_init);
module_exit(va_module_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The vhost-accel developers");
MODULE_DESCRIPTION("vhost-net compatible in-kernel virtio-net accelerator");
