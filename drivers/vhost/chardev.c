// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vhost-accel: each open file is one net device (one queue pair),
 * driven by the ioctls of <linux/vhost.h> exactly as /dev/vhost-net is.
 */

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "chardev.h"
#include "net.h"

static int va_chardev_open(struct inode *inode, struct file *file)
{
	struct va_net *n = va_net_create();

	if (IS_ERR(n))
		return PTR_ERR(n);
	file->private_data = n;
	return 0;
}

static int va_chardev_release(struct inode *inode, struct file *file)
{
	va_net_destroy(file->private_data);
	return 0;
}

static long va_chardev_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	return va_net_ioctl(file->private_data, cmd, (void __user *)arg);
}

static const struct file_operations va_chardev_fops = {
	.owner		= THIS_MODULE,
	.open		= va_chardev_open,
	.release	= va_chardev_release,
	.unlocked_ioctl	= va_chardev_ioctl,
	/* Every argument struct has the same layout for 32-bit callers. */
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice va_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "vhost-accel",
	.fops	= &va_chardev_fops,
};

int va_chardev_init(void)
{
	return misc_register(&va_miscdev);
}

void va_chardev_uninit(void)
{
	misc_deregister(&va_miscdev);
}
