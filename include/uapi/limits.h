/* Linux's limits (linux/limits.h) */
#ifndef UNUM_UAPI_LIMITS_H
#define UNUM_UAPI_LIMITS_H

#define NGROUPS_MAX 65536
#define NAME_MAX 255
#define PATH_MAX 4096
#define PIPE_BUF 4096

#endif
