// SPDX-License-Identifier: GPL-2.0
/*
 * The net device type: moves packets between a guest's RX/TX queues and a
 * tap or macvtap socket.
 *
 * The virtio-net header is handled in one of two ways, as the owner
 * negotiates: with VHOST_NET_F_VIRTIO_NET_HDR the device strips it on TX
 * and writes a plain one on RX (the socket knows no header); without it the
 * socket was opened with IFF_VNET_HDR and the header passes through
 * untouched, offloads and all. Either way the device fills num_buffers.
 *
 * RX takes packets from the backend's ptr_ring in batches, so it knows a
 * packet's length before it picks the guest buffers to receive it into,
 * and hands the packet to the socket's recvmsg through msg_control.
 */

#include <linux/device.h>
#include <linux/file.h>
#include <linux/if_tap.h>
#include <linux/if_tun.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/nospec.h>
#include <linux/ptr_ring.h>
#include <linux/rtnetlink.h>
#include <linux/seq_file.h>
#include <linux/skb_array.h>
#include <linux/slab.h>
#include <linux/virtio_net.h>
#include <net/sock.h>
#include <net/xdp.h>

#include "dev.h"
#include "frag.h"
#include "net.h"

#define VA_NET_FEATURES	(VA_DEV_FEATURES |				\
			 (1ULL << VHOST_NET_F_VIRTIO_NET_HDR) |		\
			 (1ULL << VIRTIO_NET_F_MRG_RXBUF))

/* No IOTLB: there are no backend features to offer. */
#define VA_NET_BACKEND_FEATURES	0ULL

/*
 * Work one queue does per pass before the worker turns to the others:
 * a flooding queue cannot starve its twin or another device.
 */
#define VA_NET_WEIGHT_PKTS	256
#define VA_NET_WEIGHT_BYTES	0x80000

/* Packets taken from the backend's ring at once. */
#define VA_NET_RX_BATCH		64
/* Frames handed to the backend at once. */
#define VA_NET_TX_BATCH		64
/* Room before a TX frame for the skb the backend builds around it. */
#define VA_NET_TX_PAD		(NET_SKB_PAD + NET_IP_ALIGN)

enum {
	VA_NET_VQ_RX,
	VA_NET_VQ_TX,
	VA_NET_VQ_MAX,
};

/* Packets taken from the backend's ring, not yet received by the guest. */
struct va_net_rxq {
	void *queue[VA_NET_RX_BATCH];
	unsigned int head;
	unsigned int tail;
};

/*
 * Frames copied out of the guest, waiting to be handed to the backend in
 * one sendmsg (tun's and tap's TUN_MSG_PTR batch), and the pages they are
 * copied into.
 */
struct va_net_txq {
	struct xdp_buff xdp[VA_NET_TX_BATCH];
	unsigned int n;
	struct va_frag_pool frags;
};

struct va_net_vq {
	struct va_vq vq;
	/* Backend readable (RX) or writable again (TX). */
	struct va_poll sock_poll;
	/* RX only, under vq.mutex: the backend's packet ring and our batch. */
	struct ptr_ring *rx_ring;
	struct va_net_rxq rxq;
	/* TX only, under vq.mutex; empty whenever the mutex is free. */
	struct va_net_txq txq;
};

struct va_net {
	struct va_dev dev;
	struct va_net_vq vqs[VA_NET_VQ_MAX];
	struct va_vq *vq_ptrs[VA_NET_VQ_MAX];
};

/* Header the device handles, and header the socket handles. */
static void va_net_hdr_lens(const struct va_vq *vq, size_t *dev_hlen,
			    size_t *sock_hlen)
{
	size_t len = sizeof(struct virtio_net_hdr);

	if (va_vq_has_feature(vq, VIRTIO_NET_F_MRG_RXBUF) ||
	    va_vq_has_feature(vq, VIRTIO_F_VERSION_1))
		len = sizeof(struct virtio_net_hdr_mrg_rxbuf);
	if (va_vq_has_feature(vq, VHOST_NET_F_VIRTIO_NET_HDR)) {
		*dev_hlen = len;
		*sock_hlen = 0;
	} else {
		*dev_hlen = 0;
		*sock_hlen = len;
	}
}

static bool va_net_exceeds_weight(unsigned int pkts, size_t bytes)
{
	return pkts >= VA_NET_WEIGHT_PKTS || bytes >= VA_NET_WEIGHT_BYTES;
}

static bool va_net_tx_ready(struct va_vq *vq)
{
	return !va_ring_avail_empty(&vq->ring);
}

static void va_net_txq_release(struct va_net_txq *q)
{
	va_frag_pool_release(&q->frags);
}

/*
 * Copy the frame in @from into the TX page fragment, laid out as the
 * backends' batch path wants it (struct tun_xdp_hdr with the virtio-net
 * header, headroom, the frame, room for skb_shared_info), and queue it.
 * The backend then builds its skb around the copy instead of allocating
 * and copying once more. -ENOSPC: the frame needs more than a page, send
 * it the ordinary way; -EINVAL: a header that cannot be right. -ENOSPC and
 * -ENOMEM leave @from as it was, for that ordinary send.
 */
static int va_net_txq_add(struct va_net_vq *nvq, struct socket *sock,
			  struct iov_iter *from, size_t sock_hlen)
{
	struct va_net_txq *q = &nvq->txq;
	struct xdp_buff *xdp = &q->xdp[q->n];
	size_t len = iov_iter_count(from);
	unsigned int headroom = sock_flag(sock->sk, SOCK_XDP) ?
				XDP_PACKET_HEADROOM : 0;
	unsigned int pad = SKB_DATA_ALIGN(sizeof(struct tun_xdp_hdr) +
					  VA_NET_TX_PAD + headroom);
	unsigned int buflen;
	struct tun_xdp_hdr *hdr;
	struct page *page;
	void *buf;

	if (len < sock_hlen)
		return -EINVAL;
	len -= sock_hlen;
	buflen = SKB_DATA_ALIGN(len + pad) +
		 SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
	if (buflen > PAGE_SIZE)
		return -ENOSPC;
	buf = va_frag_alloc(&q->frags, buflen, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	/*
	 * One user copy for the header and the frame (a copy costs more than
	 * its bytes): the header lands in the headroom just before the frame,
	 * and moves to its place in tun_xdp_hdr from there. A copy into a
	 * page, as vhost-net's: the fragment is ours and page_copy_sane()
	 * keeps the copy inside its page, so hardened usercopy's lookup of
	 * the object behind a kernel address has nothing to add, per frame.
	 */
	BUILD_BUG_ON(sizeof(struct virtio_net_hdr_mrg_rxbuf) > VA_NET_TX_PAD);
	page = virt_to_head_page(buf);
	if (copy_page_from_iter(page, buf + pad - sock_hlen - page_address(page),
				sock_hlen + len, from) != sock_hlen + len) {
		va_frag_free(buf);
		return -EFAULT;
	}
	hdr = buf;
	if (!sock_hlen) {
		memset(&hdr->gso, 0, sizeof(hdr->gso));
	} else {
		bool le = nvq->vq.ring.le;
		struct virtio_net_hdr *gso = &hdr->gso;
		u16 csum_end;

		memcpy(gso, buf + pad - sock_hlen, sizeof(*gso));
		/* As tun_get_user(): the header covers the checksum field. */
		csum_end = __virtio16_to_cpu(le, gso->csum_start) +
			   __virtio16_to_cpu(le, gso->csum_offset) + 2;
		if ((gso->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
		    csum_end > __virtio16_to_cpu(le, gso->hdr_len)) {
			if (csum_end > len) {
				va_frag_free(buf);
				return -EINVAL;
			}
			gso->hdr_len = __cpu_to_virtio16(le, csum_end);
		}
	}

	xdp_init_buff(xdp, buflen, NULL);
	xdp_prepare_buff(xdp, buf, pad, len, true);
	hdr->buflen = buflen;
	q->n++;
	return 0;
}

/* Hand the queued frames to the backend; it owns them from here. */
static void va_net_txq_flush(struct va_net_txq *q, struct socket *sock)
{
	struct tun_msg_ctl ctl = {
		.type = TUN_MSG_PTR,
		.num = q->n,
		.ptr = q->xdp,
	};
	struct msghdr msg = {
		.msg_control = &ctl,
		.msg_controllen = sizeof(ctl),
	};
	unsigned int i;

	if (!q->n)
		return;
	/*
	 * Errors are per frame and counted by the backend, except from a tun
	 * that lost its device (deleted, or the queue detached): that takes
	 * none of the frames (-EBADFD), and their page references are still
	 * ours to drop.
	 */
	if (sock->ops->sendmsg(sock, &msg, 0) < 0)
		for (i = 0; i < q->n; i++)
			va_frag_free(q->xdp[i].data_hard_start);
	q->n = 0;
}

/*
 * Send one frame with its own sendmsg: one that does not fit the batch,
 * or a backend that takes no batches. Kept out of the loop so that the
 * batched frames, the common case, do not clear a msghdr each.
 */
static int va_net_tx_send(struct socket *sock, const struct iov_iter *from,
			  size_t len)
{
	struct msghdr msg = {
		.msg_iter = *from,
		.msg_flags = MSG_DONTWAIT,
	};

	return sock->ops->sendmsg(sock, &msg, len);
}

static void va_net_handle_tx(struct va_net_vq *nvq)
{
	struct va_vq *vq = &nvq->vq;
	struct va_chain chain = {
		.iov = vq->iov,
		.iov_max = VA_VQ_IOV_MAX,
	};
	unsigned int pkts = 0, drops = 0;
	size_t dev_hlen, sock_hlen, total = 0;
	struct socket *sock;
	bool can_batch;

	mutex_lock(&vq->mutex);
	sock = vq->backend;
	if (!sock || vq->broken)
		goto out;
	va_net_hdr_lens(vq, &dev_hlen, &sock_hlen);
	/* Batches bypass the send buffer limit: only where there is none. */
	can_batch = READ_ONCE(sock->sk->sk_sndbuf) == INT_MAX;
	va_poll_stop(&nvq->sock_poll);
	va_ring_disable_notify(&vq->ring);

	for (;;) {
		struct iov_iter from;
		size_t len;
		int err;

		if (unlikely(va_net_exceeds_weight(pkts + drops, total))) {
			va_work_queue(&vq->dev->worker, &nvq->sock_poll.work);
			break;
		}
		switch (va_ring_fetch(&vq->ring, &chain)) {
		case VA_FETCH_EMPTY:
			if (va_vq_busy_poll(vq, va_net_tx_ready))
				continue;
			if (unlikely(va_ring_enable_notify(&vq->ring))) {
				va_ring_disable_notify(&vq->ring);
				continue;
			}
			goto done;
		case VA_FETCH_BROKEN:
			va_vq_break(vq, VHOST_ACCEL_ERR_RING);
			goto done;
		case VA_FETCH_BAD_CHAIN:
			goto bad_chain;
		case VA_FETCH_CHAIN:
			break;
		}

		len = iov_length(vq->iov, chain.out);
		/* TX buffers are read-only, and hold at least the header. */
		if (chain.in || len < dev_hlen)
			goto bad_chain;
		iov_iter_init(&from, ITER_SOURCE, vq->iov, chain.out, len);
		iov_iter_advance(&from, dev_hlen);
		len -= dev_hlen;

		if (can_batch) {
			err = va_net_txq_add(nvq, sock, &from, sock_hlen);
			if (!err) {
				pkts++;
				total += len + dev_hlen;
				va_vq_add_used(vq, chain.head, 0);
				if (nvq->txq.n == VA_NET_TX_BATCH)
					va_net_txq_flush(&nvq->txq, sock);
				continue;
			}
			if (err == -EINVAL || err == -EFAULT)
				goto bad_chain;
			/* Too big (or no page): the frames before it first. */
			va_net_txq_flush(&nvq->txq, sock);
		}

		err = va_net_tx_send(sock, &from, len);
		if (unlikely(err < 0)) {
			if (err == -EAGAIN || err == -ENOMEM || err == -ENOBUFS) {
				/* Retry this one when the socket has room. */
				va_ring_unfetch(&vq->ring, 1);
				va_poll_start(&nvq->sock_poll, sock->file);
				goto done;
			}
			/* The backend refused the frame: drop it. */
			drops++;
		} else {
			pkts++;
			total += len + dev_hlen;
		}
		va_vq_add_used(vq, chain.head, 0);
		continue;

bad_chain:
		/* Drop the packet, give its buffers back, keep the queue. */
		va_vq_add_used(vq, chain.head, 0);
		va_vq_error(vq, VHOST_ACCEL_ERR_CHAIN);
		drops++;
	}
done:
	va_net_txq_flush(&nvq->txq, sock);
	va_vq_flush_used(vq);
	va_vq_count(vq, pkts, total, drops);
out:
	mutex_unlock(&vq->mutex);
}

/* Length of the next packet in the backend, 0 when there is none. */
static size_t va_net_rx_peek(struct va_net_vq *nvq)
{
	struct va_net_rxq *q = &nvq->rxq;
	void *ptr;

	if (q->head == q->tail) {
		q->head = 0;
		q->tail = ptr_ring_consume_batched(nvq->rx_ring, q->queue,
						   VA_NET_RX_BATCH);
		if (!q->tail)
			return 0;
	}
	ptr = q->queue[q->head];
	if (tun_is_xdp_frame(ptr))
		return tun_ptr_to_xdp(ptr)->len;
	return __skb_array_len_with_tag(ptr);
}

static void *va_net_rx_consume(struct va_net_vq *nvq)
{
	return nvq->rxq.queue[nvq->rxq.head++];
}

/* Put the packets we took but did not receive back into the backend. */
static void va_net_rx_unconsume(struct va_net_vq *nvq)
{
	struct va_net_rxq *q = &nvq->rxq;

	if (q->head != q->tail)
		ptr_ring_unconsume(nvq->rx_ring, q->queue + q->head,
				   q->tail - q->head, tun_ptr_free);
	q->head = 0;
	q->tail = 0;
}

/* Return @n gathered chains to the guest unused, plus a bad one. */
static void va_net_rx_bad_chain(struct va_vq *vq, unsigned int n, u16 head)
{
	struct vring_used_elem *heads = va_vq_used_tail(vq);
	unsigned int i;

	for (i = 0; i < n; i++)
		heads[i].len = 0;
	va_ring_used_elem(&vq->ring, &heads[n], head, 0);
	va_vq_used_commit(vq, n + 1);
	va_vq_error(vq, VHOST_ACCEL_ERR_CHAIN);
}

/*
 * Gather guest buffers for a packet of @datalen bytes: as many chains as it
 * takes with mergeable buffers, one otherwise. Their used entries are
 * written at va_vq_used_tail(), not yet committed. Returns the number of
 * chains, 0 when the guest has too few buffers now, -E2BIG when the packet
 * can never fit (the buffers are given back for the next one), -EAGAIN
 * after a bad chain was handed back (try again), -EIO when the ring broke.
 */
static int va_net_get_rx_bufs(struct va_vq *vq, size_t datalen,
			      unsigned int quota, unsigned int *iovcount,
			      unsigned int *nlog)
{
	struct vring_used_elem *heads = va_vq_used_tail(vq);
	bool logging = va_vq_logging(vq);
	unsigned int seg = 0, logs = 0, headcount = 0;
	s64 remain = datalen;
	struct va_chain c;
	size_t len = 0;

	while (remain > 0 && headcount < quota) {
		if (seg >= VA_VQ_IOV_MAX)
			break;
		c.iov = vq->iov + seg;
		c.iov_max = VA_VQ_IOV_MAX - seg;
		c.log = logging ? vq->log + logs : NULL;
		c.log_max = VA_VQ_IOV_MAX - logs;

		switch (va_ring_fetch(&vq->ring, &c)) {
		case VA_FETCH_EMPTY:
			va_ring_unfetch(&vq->ring, headcount);
			return 0;
		case VA_FETCH_BROKEN:
			va_ring_unfetch(&vq->ring, headcount);
			va_vq_break(vq, VHOST_ACCEL_ERR_RING);
			return -EIO;
		case VA_FETCH_BAD_CHAIN:
			va_net_rx_bad_chain(vq, headcount, c.head);
			return -EAGAIN;
		case VA_FETCH_CHAIN:
			break;
		}
		/* RX buffers are write-only. */
		if (c.out || !c.in) {
			va_net_rx_bad_chain(vq, headcount, c.head);
			return -EAGAIN;
		}
		len = iov_length(c.iov, c.in);
		va_ring_used_elem(&vq->ring, &heads[headcount], c.head, len);
		headcount++;
		remain -= len;
		seg += c.in;
		logs += c.nlog;
	}
	if (remain > 0) {
		va_ring_unfetch(&vq->ring, headcount);
		return -E2BIG;
	}
	/* The last buffer is filled only in part. */
	va_ring_used_elem(&vq->ring, &heads[headcount - 1],
			  __virtio32_to_cpu(vq->ring.le, heads[headcount - 1].id),
			  len + remain);
	*iovcount = seg;
	*nlog = logs;
	return headcount;
}

/*
 * Write the parts of the header that are the device's to fill: all of it
 * with VHOST_NET_F_VIRTIO_NET_HDR, else only num_buffers (the socket wrote
 * the rest). The header nearly always sits in the first segment, written
 * with one user access; the iterator is for a guest that splits it.
 */
static int va_net_rx_fill_hdr(struct va_vq *vq, struct iov_iter *hdr_iter,
			      size_t dev_hlen, u16 num_buffers)
{
	struct virtio_net_hdr_mrg_rxbuf hdr = {
		.hdr.gso_type = VIRTIO_NET_HDR_GSO_NONE,
		.num_buffers = __cpu_to_virtio16(vq->ring.le, num_buffers),
	};
	size_t start = dev_hlen ? 0 : sizeof(hdr.hdr);
	size_t end = dev_hlen;
	void __user *first = vq->iov[0].iov_base;

	if (va_vq_has_feature(vq, VIRTIO_NET_F_MRG_RXBUF) ||
	    va_vq_has_feature(vq, VIRTIO_F_VERSION_1))
		end = sizeof(hdr);
	if (end <= start)
		return 0;
	if (likely(vq->iov[0].iov_len >= end)) {
		if (!start)
			return copy_to_user(first, &hdr, end) ? -EFAULT : 0;
		return put_user(hdr.num_buffers,
				(__virtio16 __user *)(first + start));
	}
	iov_iter_advance(hdr_iter, start);
	if (copy_to_iter((u8 *)&hdr + start, end - start, hdr_iter) !=
	    end - start)
		return -EFAULT;
	return 0;
}

static bool va_net_rx_ready(struct va_vq *vq)
{
	return !ptr_ring_empty(container_of(vq, struct va_net_vq, vq)->rx_ring);
}

static void va_net_handle_rx(struct va_net_vq *nvq)
{
	struct va_vq *vq = &nvq->vq;
	unsigned int quota, pkts = 0, drops = 0;
	size_t dev_hlen, sock_hlen, total = 0;
	/*
	 * One for every packet, cleared once: each packet sets its iterator
	 * and msg_control, and the only other field a backend writes is
	 * msg_flags (MSG_TRUNC), which nothing here reads.
	 */
	struct msghdr msg = { };
	struct socket *sock;

	mutex_lock(&vq->mutex);
	sock = vq->backend;
	if (!sock || vq->broken)
		goto out;
	va_net_hdr_lens(vq, &dev_hlen, &sock_hlen);
	quota = va_vq_has_feature(vq, VIRTIO_NET_F_MRG_RXBUF) ?
		VA_VQ_IOV_MAX : 1;
	/* We look at the socket ourselves until it is empty. */
	va_poll_stop(&nvq->sock_poll);
	va_ring_disable_notify(&vq->ring);

	for (;;) {
		struct iov_iter hdr_iter;
		unsigned int in, nlog;
		size_t sock_len, len;
		int headcount, err;

		if (unlikely(va_net_exceeds_weight(pkts + drops, total))) {
			va_work_queue(&vq->dev->worker, &nvq->sock_poll.work);
			break;
		}
		sock_len = va_net_rx_peek(nvq);
		if (!sock_len && va_vq_busy_poll(vq, va_net_rx_ready))
			continue;
		if (!sock_len) {
			va_poll_start(&nvq->sock_poll, sock->file);
			break;
		}
		sock_len += sock_hlen;
		len = sock_len + dev_hlen;

		headcount = va_net_get_rx_bufs(vq, len, quota, &in, &nlog);
		if (headcount == -EAGAIN) {
			drops++;
			continue;
		}
		if (headcount == -E2BIG) {
			/* Larger than the guest can take: drop it. */
			tun_ptr_free(va_net_rx_consume(nvq));
			drops++;
			continue;
		}
		if (headcount < 0)
			break;
		if (!headcount) {
			/* Out of buffers: wait for the guest's kick. */
			if (unlikely(va_ring_enable_notify(&vq->ring))) {
				va_ring_disable_notify(&vq->ring);
				continue;
			}
			break;
		}

		iov_iter_init(&msg.msg_iter, ITER_DEST, vq->iov, in, len);
		hdr_iter = msg.msg_iter;
		iov_iter_advance(&msg.msg_iter, dev_hlen);
		msg.msg_control = va_net_rx_consume(nvq);
		err = sock->ops->recvmsg(sock, &msg, sock_len,
					 MSG_DONTWAIT | MSG_TRUNC);
		if (unlikely(err != sock_len)) {
			/* The backend dropped it (or went away). */
			va_ring_unfetch(&vq->ring, headcount);
			drops++;
			continue;
		}
		if (va_net_rx_fill_hdr(vq, &hdr_iter, dev_hlen, headcount)) {
			va_ring_unfetch(&vq->ring, headcount);
			va_vq_break(vq, VHOST_ACCEL_ERR_MEMORY);
			break;
		}
		va_vq_used_commit(vq, headcount);
		if (unlikely(va_vq_logging(vq)))
			va_vq_log_write(vq, vq->log, nlog, len);
		pkts++;
		total += len;
	}
	va_vq_flush_used(vq);
	va_vq_count(vq, pkts, total, drops);
out:
	mutex_unlock(&vq->mutex);
}

static void va_net_rx_kick(struct va_vq *vq)
{
	va_net_handle_rx(container_of(vq, struct va_net_vq, vq));
}

static void va_net_tx_kick(struct va_vq *vq)
{
	va_net_handle_tx(container_of(vq, struct va_net_vq, vq));
}

static void va_net_rx_sock_ready(struct va_work *work)
{
	va_net_handle_rx(container_of(work, struct va_net_vq, sock_poll.work));
}

static void va_net_tx_sock_ready(struct va_work *work)
{
	va_net_handle_tx(container_of(work, struct va_net_vq, sock_poll.work));
}

struct va_net *va_net_create(void)
{
	static const va_vq_fn_t kick[VA_NET_VQ_MAX] = {
		[VA_NET_VQ_RX] = va_net_rx_kick,
		[VA_NET_VQ_TX] = va_net_tx_kick,
	};
	struct va_net *n;
	unsigned int i;
	int ret;

	n = kvzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);
	if (!n)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < VA_NET_VQ_MAX; i++)
		n->vq_ptrs[i] = &n->vqs[i].vq;
	ret = va_dev_init(&n->dev, n->vq_ptrs, VA_NET_VQ_MAX, kick);
	if (ret) {
		kvfree(n);
		return ERR_PTR(ret);
	}
	va_poll_init(&n->vqs[VA_NET_VQ_RX].sock_poll, va_net_rx_sock_ready,
		     EPOLLIN, &n->dev.worker);
	va_poll_init(&n->vqs[VA_NET_VQ_TX].sock_poll, va_net_tx_sock_ready,
		     EPOLLOUT, &n->dev.worker);
	return n;
}

/* Take the socket off a queue; caller holds vq->mutex. */
static struct socket *va_net_detach(struct va_net_vq *nvq)
{
	struct socket *sock = nvq->vq.backend;

	if (!sock)
		return NULL;
	va_poll_stop(&nvq->sock_poll);
	va_vq_flush_used(&nvq->vq);
	if (nvq->rx_ring)
		va_net_rx_unconsume(nvq);
	nvq->rx_ring = NULL;
	nvq->vq.backend = NULL;
	va_vq_set_backend_info(&nvq->vq, VHOST_ACCEL_BACKEND_NONE, 0, NULL);
	return sock;
}

static void va_net_put_socket(struct socket *sock)
{
	if (sock)
		fput(sock->file);
}

/*
 * The tap or macvtap socket behind @fd, with a reference on its file; its
 * kind in @kind. Anything else is -ENOTSOCK, as for vhost-net.
 */
static struct socket *va_net_get_socket(int fd, u32 *kind)
{
	struct file *file = fget(fd);
	struct socket *sock;

	if (!file)
		return ERR_PTR(-ENOTSOCK);
	sock = tun_get_socket(file);
	if (!IS_ERR(sock)) {
		*kind = VHOST_ACCEL_BACKEND_TAP;
		return sock;
	}
	sock = tap_get_socket(file);
	if (!IS_ERR(sock)) {
		*kind = VHOST_ACCEL_BACKEND_MACVTAP;
		return sock;
	}
	fput(file);
	return ERR_PTR(-ENOTSOCK);
}

/*
 * The net device of a tun file. tun exports no accessor for it, but the
 * file's fdinfo names it ("iff:\tNAME\n"), so ask show_fdinfo.
 */
static struct net_device *va_net_tun_netdev(struct socket *sock)
{
	struct file *file = sock->file;
	char buf[8 + IFNAMSIZ] = "";
	struct seq_file m = { .buf = buf, .size = sizeof(buf) - 1 };
	char *name = buf + strlen("iff:\t");

	if (!file->f_op->show_fdinfo)
		return NULL;
	file->f_op->show_fdinfo(&m, file);
	buf[min(m.count, sizeof(buf) - 1)] = '\0';
	if (strncmp(buf, "iff:\t", strlen("iff:\t")))
		return NULL;
	name[strcspn(name, "\n")] = '\0';
	if (!*name)
		return NULL;
	return dev_get_by_name(sock_net(sock->sk), name);
}

static int va_net_match_devt(struct device *dev, void *devt)
{
	return dev->devt == *(dev_t *)devt;
}

/* The net device of a macvtap file: the parent of its /dev/tapN. */
static struct net_device *va_net_tap_netdev(struct socket *sock)
{
	dev_t devt = file_inode(sock->file)->i_rdev;
	struct net_device *dev, *found = NULL;
	struct device *child;

	rtnl_lock();
	for_each_netdev(sock_net(sock->sk), dev) {
		child = device_find_child(&dev->dev, &devt, va_net_match_devt);
		if (child) {
			put_device(child);
			found = dev;
			dev_hold(found);
			break;
		}
	}
	rtnl_unlock();
	return found;
}

/* Tell operators which net device a queue's backend is. */
static void va_net_set_backend_info(struct va_vq *vq, u32 kind,
				    struct net_device *dev)
{
	va_vq_set_backend_info(vq, kind, dev ? dev->ifindex : 0,
			       dev ? dev->name : NULL);
}

static struct ptr_ring *va_net_get_ring(struct file *file)
{
	struct ptr_ring *ring = tun_get_tx_ring(file);

	if (!IS_ERR(ring))
		return ring;
	ring = tap_get_ptr_ring(file);
	return IS_ERR(ring) ? NULL : ring;
}

static long va_net_set_backend(struct va_net *n, unsigned int index, int fd)
{
	struct va_dev *d = &n->dev;
	struct socket *sock = NULL, *old = NULL;
	struct net_device *netdev = NULL;
	struct ptr_ring *ring = NULL;
	struct va_net_vq *nvq;
	u32 kind = VHOST_ACCEL_BACKEND_NONE;
	struct va_vq *vq;
	long ret;

	mutex_lock(&d->mutex);
	ret = va_dev_check_owner(d);
	if (ret)
		goto out_unlock_dev;
	if (index >= VA_NET_VQ_MAX) {
		ret = -ENOBUFS;
		goto out_unlock_dev;
	}
	nvq = &n->vqs[array_index_nospec(index, VA_NET_VQ_MAX)];
	vq = &nvq->vq;

	if (fd != VHOST_FILE_UNBIND) {
		sock = va_net_get_socket(fd, &kind);
		if (IS_ERR(sock)) {
			ret = PTR_ERR(sock);
			goto out_unlock_dev;
		}
		netdev = kind == VHOST_ACCEL_BACKEND_TAP ?
			 va_net_tun_netdev(sock) : va_net_tap_netdev(sock);
	}

	if (sock && index == VA_NET_VQ_RX) {
		ring = va_net_get_ring(sock->file);
		if (!ring) {
			ret = -ENOTSOCK;
			goto out_put_sock;
		}
	}

	mutex_lock(&vq->mutex);
	if (sock && sock == vq->backend) {
		/* Same socket again: nothing changes. */
		mutex_unlock(&vq->mutex);
		goto out_put_sock;
	}
	if (sock) {
		ret = va_vq_start(vq);
		if (ret)
			goto out_unlock_vq;
	}
	old = va_net_detach(nvq);
	if (sock) {
		vq->backend = sock;
		nvq->rx_ring = ring;
		va_net_set_backend_info(vq, kind, netdev);
		ret = va_poll_start(&nvq->sock_poll, sock->file);
		if (ret) {
			/* The tap has no device behind it any more. */
			va_net_detach(nvq);
			goto out_unlock_vq;
		}
		sock = NULL;	/* the queue holds the reference now */
	}
	mutex_unlock(&vq->mutex);
	mutex_unlock(&d->mutex);
	dev_put(netdev);
	va_net_put_socket(old);
	return 0;

out_unlock_vq:
	mutex_unlock(&vq->mutex);
out_put_sock:
	dev_put(netdev);
	va_net_put_socket(sock);
out_unlock_dev:
	mutex_unlock(&d->mutex);
	va_net_put_socket(old);
	return ret;
}

static long va_net_reset_owner(struct va_net *n)
{
	struct socket *old[VA_NET_VQ_MAX] = { };
	struct va_dev *d = &n->dev;
	unsigned int i;
	long ret;

	mutex_lock(&d->mutex);
	ret = va_dev_check_owner(d);
	if (ret)
		goto out_unlock;
	for (i = 0; i < VA_NET_VQ_MAX; i++) {
		mutex_lock(&n->vqs[i].vq.mutex);
		old[i] = va_net_detach(&n->vqs[i]);
		mutex_unlock(&n->vqs[i].vq.mutex);
	}
	ret = va_dev_reset_owner(d);
out_unlock:
	mutex_unlock(&d->mutex);
	for (i = 0; i < VA_NET_VQ_MAX; i++)
		va_net_put_socket(old[i]);
	return ret;
}

void va_net_destroy(struct va_net *n)
{
	struct socket *old[VA_NET_VQ_MAX];
	unsigned int i;

	mutex_lock(&n->dev.mutex);
	for (i = 0; i < VA_NET_VQ_MAX; i++) {
		mutex_lock(&n->vqs[i].vq.mutex);
		old[i] = va_net_detach(&n->vqs[i]);
		mutex_unlock(&n->vqs[i].vq.mutex);
	}
	mutex_unlock(&n->dev.mutex);
	va_dev_cleanup(&n->dev);
	for (i = 0; i < VA_NET_VQ_MAX; i++)
		va_net_put_socket(old[i]);
	va_net_txq_release(&n->vqs[VA_NET_VQ_TX].txq);
	kvfree(n);
}

static long va_net_set_features(struct va_net *n, u64 features)
{
	long ret;

	if (features & ~VA_NET_FEATURES)
		return -EOPNOTSUPP;
	mutex_lock(&n->dev.mutex);
	ret = va_dev_set_features(&n->dev, features);
	mutex_unlock(&n->dev.mutex);
	return ret;
}

long va_net_ioctl(struct va_net *n, unsigned int cmd, void __user *argp)
{
	u64 __user *featurep = argp;
	struct vhost_vring_file backend;
	u64 features;

	switch (cmd) {
	case VHOST_NET_SET_BACKEND:
		if (copy_from_user(&backend, argp, sizeof(backend)))
			return -EFAULT;
		return va_net_set_backend(n, backend.index, backend.fd);
	case VHOST_GET_FEATURES:
		features = VA_NET_FEATURES;
		return copy_to_user(featurep, &features, sizeof(features)) ?
		       -EFAULT : 0;
	case VHOST_SET_FEATURES:
		if (copy_from_user(&features, featurep, sizeof(features)))
			return -EFAULT;
		return va_net_set_features(n, features);
	case VHOST_GET_BACKEND_FEATURES:
		features = VA_NET_BACKEND_FEATURES;
		return copy_to_user(featurep, &features, sizeof(features)) ?
		       -EFAULT : 0;
	case VHOST_SET_BACKEND_FEATURES:
		if (copy_from_user(&features, featurep, sizeof(features)))
			return -EFAULT;
		return features & ~VA_NET_BACKEND_FEATURES ? -EOPNOTSUPP : 0;
	case VHOST_RESET_OWNER:
		return va_net_reset_owner(n);
	default:
		return va_dev_ioctl(&n->dev, cmd, argp);
	}
}
