#define _GNU_SOURCE
#include "CProcessControl.h"

#include <spawn.h>
#include <sys/prctl.h>

int mynasim_become_child_subreaper(void)
{
	return prctl(PR_SET_CHILD_SUBREAPER, 1UL, 0UL, 0UL, 0UL);
}

int mynasim_is_child_subreaper(void)
{
	int value = 0;

	if (prctl(PR_GET_CHILD_SUBREAPER, (unsigned long)&value, 0UL, 0UL, 0UL) != 0)
		return -1;
	return value != 0;
}

short mynasim_posix_spawn_setsid_flag(void)
{
	return POSIX_SPAWN_SETSID;
}
