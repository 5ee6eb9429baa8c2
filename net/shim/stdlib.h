/* <stdlib.h> for lwIP's sources, built -nostdinc (mem.c and netif.c
 * include it): mem_malloc reaches the kernel heap through lwipopts.h's
 * mem_clib_malloc, so only netif_find's atoi is needed (net/sys_arch.c) */
#ifndef UNUM_NET_SHIM_STDLIB_H
#define UNUM_NET_SHIM_STDLIB_H
int atoi(const char *s);
#endif
