/*
 * check.h - the fuzz targets' own oracles: fz_fail aborts with a message,
 * which libFuzzer reports as a crash and saves the input.
 */
#ifndef MYNA_FUZZ_CHECK_H
#define MYNA_FUZZ_CHECK_H

void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Open file descriptors of the process (for the leak check). */
int fz_open_fds(void);

#endif
