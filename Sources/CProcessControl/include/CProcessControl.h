#ifndef MYNASIM_CPROCESSCONTROL_H
#define MYNASIM_CPROCESSCONTROL_H

/* prctl(2) is variadic, so Swift cannot call it: these wrap the uses mynasim has. */

/* Orphaned descendants are re-parented to this process instead of PID 1, so a sandbox can stop
 * what its command left behind. 0 on success, else -1 with errno set. */
int mynasim_become_child_subreaper(void);

/* Whether this process is a child subreaper: 1 yes, 0 no, -1 on error. */
int mynasim_is_child_subreaper(void);

/* POSIX_SPAWN_SETSID (a GNU extension that Swift's Glibc module does not show): a spawned
 * child starts a session of its own, detached from our terminal. */
short mynasim_posix_spawn_setsid_flag(void);

#endif
