/* signame: signal names as unit files and superctl write them. */
#ifndef SUPERD_SIGNAME_H
#define SUPERD_SIGNAME_H

/* "SIGTERM", "TERM", "term" or "15" -> 15; -1 if not a signal. Real-time
 * signals as "SIGRTMIN+N". */
int signame_parse(const char *s);
/* "SIGTERM" for 15; "SIG<number>" in a static buffer if unnamed. */
const char *signame_name(int sig);

#endif
