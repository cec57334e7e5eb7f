#include "signame.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	int sig;
} signame_table[] = {
	{"HUP", SIGHUP},	 {"INT", SIGINT},     {"QUIT", SIGQUIT},
	{"ILL", SIGILL},	 {"TRAP", SIGTRAP},   {"ABRT", SIGABRT},
	{"BUS", SIGBUS},	 {"FPE", SIGFPE},     {"KILL", SIGKILL},
	{"USR1", SIGUSR1},	 {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
	{"PIPE", SIGPIPE},	 {"ALRM", SIGALRM},   {"TERM", SIGTERM},
	{"STKFLT", SIGSTKFLT},	 {"CHLD", SIGCHLD},   {"CONT", SIGCONT},
	{"STOP", SIGSTOP},	 {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
	{"TTOU", SIGTTOU},	 {"URG", SIGURG},     {"XCPU", SIGXCPU},
	{"XFSZ", SIGXFSZ},	 {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
	{"WINCH", SIGWINCH},	 {"IO", SIGIO},	      {"PWR", SIGPWR},
	{"SYS", SIGSYS},
};

int
signame_parse(const char *s)
{
	char *end;
	long n;

	if (s[0] >= '0' && s[0] <= '9') {
		n = strtol(s, &end, 10);
		return (*end == '\0' && n > 0 && n < NSIG) ? (int)n : -1;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(signame_table) / sizeof(signame_table[0]); i++)
		if (strcasecmp(s, signame_table[i].name) == 0)
			return signame_table[i].sig;
	if (strncasecmp(s, "RTMIN", 5) == 0) {
		if (s[5] == '\0')
			return SIGRTMIN;
		if (s[5] == '+') {
			n = strtol(s + 6, &end, 10);
			/* n up to LONG_MAX: SIGRTMIN + n could overflow. */
			if (*end == '\0' && s[6] != '\0' && n >= 0 && n <= SIGRTMAX - SIGRTMIN)
				return SIGRTMIN + (int)n;
		}
	}
	return -1;
}

const char *
signame_name(int sig)
{
	static char buf[32];

	for (size_t i = 0; i < sizeof(signame_table) / sizeof(signame_table[0]); i++)
		if (signame_table[i].sig == sig) {
			snprintf(buf, sizeof(buf), "SIG%s", signame_table[i].name);
			return buf;
		}
	if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		snprintf(buf, sizeof(buf), "SIGRTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(buf, sizeof(buf), "SIG%d", sig);
	return buf;
}
