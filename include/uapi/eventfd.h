/* eventfd2(2) flags beyond O_NONBLOCK and O_CLOEXEC (linux/eventfd.h) */
#ifndef UNUM_UAPI_EVENTFD_H
#define UNUM_UAPI_EVENTFD_H

#define EFD_SEMAPHORE 1

#endif
