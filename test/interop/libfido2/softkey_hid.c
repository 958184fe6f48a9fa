/*
 * softkey_hid.so: an LD_PRELOAD shim that lets libfido2's stock tools
 * (fido2-token, fido2-cred, fido2-assert) talk to `softkey serve` over a unix
 * socket, on machines without /dev/hidraw.
 *
 * libfido2 lets a program replace its HID I/O (fido_dev_set_io_functions);
 * the tools do not call it, so this library does, for device paths of the
 * form "softkey:/path/to/socket": fido_dev_open is wrapped to install the
 * socket I/O first, then hand over to libfido2's own fido_dev_open. With
 * SOFTKEY_FIDO_DEVICE set to such a path, fido_dev_info_manifest lists it too
 * (fido2-token -L). Everything above the I/O (CTAPHID framing, CBOR, PIN
 * protocols) is libfido2's own code.
 *
 * The socket carries raw 64-byte CTAPHID reports back to back, as softkey
 * serve's unix host expects. libfido2 writes each report behind a report ID
 * byte (0), as hidraw wants it; the shim drops it, as a HID driver would.
 *
 * Built by the test (test/interop/libfido2Tools.ts) with
 *   cc -shared -fPIC -o softkey_hid.so softkey_hid.c -lfido2 -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fido.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PATH_PREFIX "softkey:"
#define REPORT_LEN 64

struct softkey_handle {
	int fd;
};

static int
is_softkey_path(const char *path)
{
	return path != NULL && strncmp(path, PATH_PREFIX, strlen(PATH_PREFIX)) == 0;
}

static void *
softkey_open(const char *path)
{
	struct sockaddr_un addr;
	struct softkey_handle *handle;
	const char *socket_path;
	int fd;

	if (!is_softkey_path(path))
		return NULL;
	socket_path = path + strlen(PATH_PREFIX);
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	if (strlen(socket_path) >= sizeof(addr.sun_path))
		return NULL;
	strcpy(addr.sun_path, socket_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    (handle = malloc(sizeof(*handle))) == NULL) {
		close(fd);
		return NULL;
	}
	handle->fd = fd;
	return handle;
}

static void
softkey_close(void *opaque)
{
	struct softkey_handle *handle = opaque;

	close(handle->fd);
	free(handle);
}

static long
elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000L +
	    (now.tv_nsec - since->tv_nsec) / 1000000L;
}

/* One whole report within ms milliseconds (-1: no limit), as fido_hid_read reads one. */
static int
softkey_read(void *opaque, unsigned char *buf, size_t len, int ms)
{
	struct softkey_handle *handle = opaque;
	struct timespec start;
	struct pollfd pfd;
	size_t got = 0;
	ssize_t n;
	int wait, r;

	if (len != REPORT_LEN)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (got < len) {
		wait = ms;
		if (ms >= 0 && (wait = ms - (int)elapsed_ms(&start)) < 0)
			wait = 0;
		pfd.fd = handle->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if ((r = poll(&pfd, 1, wait)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			return -1; /* timed out */
		if ((n = read(handle->fd, buf + got, len - got)) <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)n;
	}
	return (int)len;
}

/* buf is the report ID (0) and one report; the socket gets the report. */
static int
softkey_write(void *opaque, const unsigned char *buf, size_t len)
{
	struct softkey_handle *handle = opaque;
	size_t sent = 1;
	ssize_t n;

	if (len != REPORT_LEN + 1 || buf[0] != 0)
		return -1;
	while (sent < len) {
		if ((n = write(handle->fd, buf + sent, len - sent)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		sent += (size_t)n;
	}
	return (int)len;
}

static const fido_dev_io_t softkey_io = {
	softkey_open,
	softkey_close,
	softkey_read,
	softkey_write,
};

int
fido_dev_open(fido_dev_t *dev, const char *path)
{
	int (*libfido2_open)(fido_dev_t *, const char *);
	int r;

	if ((libfido2_open = dlsym(RTLD_NEXT, "fido_dev_open")) == NULL)
		return FIDO_ERR_INTERNAL;
	if (is_softkey_path(path) &&
	    (r = fido_dev_set_io_functions(dev, &softkey_io)) != FIDO_OK)
		return r;
	return libfido2_open(dev, path);
}

int
fido_dev_info_manifest(fido_dev_info_t *devlist, size_t ilen, size_t *olen)
{
	int (*libfido2_manifest)(fido_dev_info_t *, size_t, size_t *);
	const char *path = getenv("SOFTKEY_FIDO_DEVICE");
	int r;

	if ((libfido2_manifest = dlsym(RTLD_NEXT, "fido_dev_info_manifest")) == NULL)
		return FIDO_ERR_INTERNAL;
	if ((r = libfido2_manifest(devlist, ilen, olen)) != FIDO_OK)
		return r;
	if (is_softkey_path(path) && *olen < ilen &&
	    fido_dev_info_set(devlist, *olen, path, "softkey", "virtual FIDO2 key",
	    &softkey_io, NULL) == FIDO_OK)
		(*olen)++;
	return FIDO_OK;
}
