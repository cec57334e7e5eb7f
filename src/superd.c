/* superd: main, the start-up sequence, signals and graceful shutdown. */
#include "superd.h"

#include "ctl.h"
#include "diag.h"
#include "duration.h"
#include "inifile.h"
#include "log.h"
#include "notify.h"
#include "pidfile.h"
#include "proto.h"
#include "reload.h"
#include "signame.h"
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

enum {
	EXIT_USAGE = 2,
	EXIT_CONFIG = 78,
	/* How long to wait for SIGKILLed processes to be reaped once the
	 * shutdown deadline has passed, before exiting regardless. */
	SHUTDOWN_GRACE_SEC = 2,
};

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: superd [-c CONFIG] [-u UNITDIR] [-s SOCKET] [-p PIDFILE]\n"
		"              [--check [--strict]] [-v|-q] [--version] [-h]\n"
		"\n"
		"Supervise the services described by systemd-style unit files.\n"
		"\n"
		"  -c, --config FILE     main configuration (default %s/superd/superd.conf)\n"
		"  -u, --unit-dir DIR    unit directory (default UnitDirectory= or %s/superd/units)\n"
		"  -s, --socket PATH     control socket\n"
		"  -p, --pidfile FILE    write superd's PID there; removed at exit\n"
		"      --check           validate the configuration and every unit, then exit\n"
		"                        (0 valid, 78 invalid); starts nothing\n"
		"      --strict          with --check: unknown keys and sections are errors\n"
		"  -v, --verbose         log debug messages\n"
		"  -q, --quiet           log warnings and errors only\n"
		"      --version         print the version and exit\n"
		"  -h, --help            print this help and exit\n",
		SYSCONFDIR, SYSCONFDIR);
}

/* Descriptors superd inherited without FD_CLOEXEC must not reach units:
 * mark them once here (everything superd opens itself is O_CLOEXEC). */
static void
cloexec_inherited_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	if (d == NULL)
		return; /* the child's close_range() still covers it */
	while ((de = readdir(d)) != NULL) {
		int fd = atoi(de->d_name);
		if (fd > 2 && fd != dirfd(d))
			(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	closedir(d);
}

/* Thousands of units mean thousands of descriptors at start-up (one exec
 * report pipe per spawn): use the whole hard limit, and give children the
 * soft limit superd found. */
static void
raise_nofile(struct superd *sd)
{
	if (getrlimit(RLIMIT_NOFILE, &sd->nofile) < 0) {
		log_warn_errno(NULL, "getrlimit(RLIMIT_NOFILE)");
		sd->nofile.rlim_cur = sd->nofile.rlim_max = RLIM_INFINITY;
		return;
	}
	struct rlimit raised = {sd->nofile.rlim_max, sd->nofile.rlim_max};
	if (sd->nofile.rlim_cur < sd->nofile.rlim_max && setrlimit(RLIMIT_NOFILE, &raised) < 0)
		log_warn_errno(NULL, "cannot raise the open file limit to %llu",
			       (unsigned long long)sd->nofile.rlim_max);
}

/* Signals whose default action would end superd without a word, leaving
 * units orphaned and the PID file behind: ignored. (Faults such as SIGSEGV
 * and SIGABRT are not intercepted; SPEC §5.) */
static void
ignore_stray_signals(void)
{
	static const int sigs[] = {SIGALRM, SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGSTKFLT,
				   SIGPIPE, SIGURG, SIGTTIN, SIGTTOU, SIGTSTP};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (signal(sigs[i], SIG_IGN) == SIG_ERR)
			log_warn_errno(NULL, "cannot ignore %s", signame_name(sigs[i]));
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		(void)signal(sig, SIG_IGN);
}

/* Make sure 0, 1 and 2 are open, so that no file superd opens lands on one
 * of them and receives a child's output. */
static void
ensure_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int n = open("/dev/null", O_RDWR);
		if (n >= 0 && n != fd) {
			dup2(n, fd);
			close(n);
		}
	}
}

static void
cleanup_pid_file(struct superd *sd)
{
	if (sd->pid_file == NULL)
		return;
	char why[128];
	if (pidfile_remove(sd->pid_file, getpid(), why, sizeof(why)) < 0)
		log_warn(NULL, "PID file %s left in place: %s", sd->pid_file, why);
	free(sd->pid_file);
	sd->pid_file = NULL;
}

/* Bound on the list of orphans read below: about 140,000 PIDs. */
#define CHILDREN_MAX (1u << 20)

/* At shutdown, after the units, superd's remaining children are orphans
 * that units left behind outside their process groups (setsid, double
 * fork), reparented to superd as subreaper or PID 1. Send each the current
 * orphan signal once: to its whole process group where it leads one (its
 * own children there too), else to it alone. Children that arrived since
 * the last call (reparented when their parent died) get it now; those
 * signalled before are only counted. Returns how many children there are. */
static size_t
signal_orphans(struct superd *sd)
{
	char path[64], *buf;
	size_t n = 0, len;
	int sig = sd->orphan_signal;

	/* As PID 1 everything else in the namespace is an orphan by now:
	 * kill(-1) reaches it all, even where /proc is the host's (a
	 * namespace without its own /proc mount lists host PIDs there). */
	if (getpid() == 1) {
		if (sd->orphans_pid1_signal != sig) {
			sd->orphans_pid1_signal = sig;
			if (kill(-1, sig) < 0 && errno != ESRCH)
				log_warn_errno(NULL, "cannot signal orphaned processes");
			else if (sig != SIGKILL)
				(void)kill(-1, SIGCONT);
		}
		/* How many, for the log, where /proc can tell; any at all, where not. */
		if (inifile_read_all("/proc/self/task/1/children", CHILDREN_MAX, &buf, &len) == 0) {
			for (char *save = NULL, *w = strtok_r(buf, " \n", &save); w;
			     w = strtok_r(NULL, " \n", &save))
				n++;
			free(buf);
		}
		return kill(-1, 0) == 0 ? (n > 0 ? n : 1) : 0;
	}

	/* The whole list: 7 bytes a PID, so thousands of orphans are more
	 * than one page. Read at shutdown only, so the allocation is fine. */
	/* thread-self, not our PID: as PID 1 of a namespace that shares the
	 * host's /proc, "1" would name the host's init. */
	snprintf(path, sizeof(path), "/proc/thread-self/children");
	if (inifile_read_all(path, CHILDREN_MAX, &buf, &len) < 0) {
		log_warn_errno(NULL, "cannot list orphaned processes (%s)", path);
		return 0;
	}
	pid_t own_group = getpgrp();
	for (char *save = NULL, *w = strtok_r(buf, " \n", &save); w;
	     w = strtok_r(NULL, " \n", &save)) {
		pid_t pid = (pid_t)atol(w), pg = getpgid(pid);
		if (pid <= 1 || pg < 0)
			continue; /* gone meanwhile */
		n++;
		/* The key records the signal too: after SIGTERM, SIGKILL is new. */
		long key = pg == pid && pg != own_group ? -(long)pg : (long)pid;
		if (hashmap_get_int(&sd->orphans_done, key) == (void *)(intptr_t)sig ||
		    hashmap_get_int(&sd->orphans_done, -(long)pg) == (void *)(intptr_t)sig)
			continue;
		pid_t target = key < 0 ? -pg : pid;
		if (kill(target, sig) < 0) {
			if (errno != ESRCH)
				log_warn_errno(NULL, "cannot signal orphaned process %ld", (long)pid);
			continue;
		}
		if (sig != SIGKILL)
			(void)kill(target, SIGCONT);
		if (hashmap_put_int(&sd->orphans_done, key, (void *)(intptr_t)sig) < 0)
			log_warn_errno(NULL, "cannot track orphaned process %ld", (long)pid);
	}
	free(buf);
	return n;
}

void
superd_unit_released(struct superd *sd)
{
	if (!sd->stopping_units || sd->nrunning > 0)
		return;
	/* Every unit is down; what else is still our child was left behind
	 * by one (as subreaper, or PID 1, superd inherits it). Stop those
	 * too, within the same deadline, then exit: superd_orphans_reaped()
	 * looks again each time some of them have been reaped. */
	/* Each time, not only the first: a unit SIGKILLed at the deadline
	 * may orphan a process only then (a child in a session of its own),
	 * and that one needs the SIGKILL too. signal_orphans() signals only
	 * those it has not signalled yet; the grace timer, running since the
	 * deadline, bounds the wait. */
	bool first = !sd->orphans_signalled;
	sd->orphans_signalled = true;
	size_t n = signal_orphans(sd);
	if (n > 0) {
		if (first)
			log_notice(NULL, "stopping %zu orphaned process(es) left behind by units", n);
		else
			log_warn(NULL, "%zu orphaned process(es) still there after the shutdown "
				       "deadline: SIGKILL", n);
		sd->orphans_waiting = true;
		return;
	}
	if (!sd->orphans_waiting)
		ev_break(sd->loop, EVBREAK_ALL);
}

void
superd_orphans_reaped(struct superd *sd)
{
	/* Exit once nobody is left; newcomers get the signal meanwhile. */
	if (sd->orphans_waiting && sd->nrunning == 0 && signal_orphans(sd) == 0) {
		sd->orphans_waiting = false;
		ev_break(sd->loop, EVBREAK_ALL);
	}
}

static void
relay_signal(struct superd *sd, int sig)
{
	unsigned def = sd->config->conf.forward_signals;

	for (size_t i = 0; i < sd->nunits; i++) {
		struct unit *u = sd->units[i];
		unsigned mask = u->cfg->forward_signals_set ? u->cfg->forward_signals : def;
		if (!(mask & (1u << sig)) || u->pid == 0)
			continue;
		int rc = u->cfg->kill_mode == KILL_PROCESS ? kill(u->pid, sig)
							    : kill(-u->pgid, sig);
		if (rc < 0 && errno != ESRCH)
			log_warn_errno(u->name, "cannot relay %s", signame_name(sig));
		else
			log_debug(u->name, "relayed %s", signame_name(sig));
	}
}

static void
shutdown_stop_units(struct superd *sd)
{
	sd->stopping_units = true;
	/* Every unit is unwanted first, so that stop ordering sees the whole
	 * picture; then the ones nothing waits on are signalled. */
	for (size_t i = 0; i < sd->nunits; i++)
		sd->units[i]->want_up = false;
	for (size_t i = 0; i < sd->nunits; i++)
		unit_stop(sd->units[i]);
	superd_unit_released(sd);
}

static void
shutdown_delay_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w, (void)revents;
	shutdown_stop_units(ev_userdata(loop));
}

static void
shutdown_grace_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct superd *sd = ev_userdata(loop);

	(void)w, (void)revents;
	if (sd->nrunning > 0)
		log_err(NULL, "%zu unit(s) still have processes %d s after SIGKILL; exiting anyway",
			sd->nrunning, SHUTDOWN_GRACE_SEC);
	else
		log_err(NULL, "orphaned processes still there %d s after SIGKILL; exiting anyway",
			SHUTDOWN_GRACE_SEC);
	ev_break(loop, EVBREAK_ALL);
}

static void
shutdown_deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct superd *sd = ev_userdata(loop);
	char dur[64];

	(void)w, (void)revents;
	sd->stopping_units = true;
	/* Orphans that units left behind, and anything else still a child of
	 * superd's: SIGKILL too. */
	bool only_orphans = sd->orphans_signalled && sd->nrunning == 0;
	sd->orphans_signalled = true;
	sd->orphan_signal = SIGKILL;
	if (signal_orphans(sd) > 0) {
		if (only_orphans)
			log_warn(NULL, "orphaned processes killed with SIGKILL at the shutdown deadline");
		sd->forced = true;
	}
	if (sd->nrunning == 0 && !sd->orphans_waiting) {
		ev_break(loop, EVBREAK_ALL);
		return;
	}
	/* What is still there after SIGKILL gets SHUTDOWN_GRACE_SEC to be
	 * reaped, units and orphans alike: the bound holds either way. */
	if (sd->nrunning == 0) {
		ev_timer_set(&sd->shutdown_grace, SHUTDOWN_GRACE_SEC, 0.);
		ev_timer_start(loop, &sd->shutdown_grace);
		return;
	}
	log_warn(NULL, "ShutdownTimeoutSec=%s has passed; sending SIGKILL to what is left",
		 duration_format(sd->config->conf.shutdown_timeout_usec, dur, sizeof(dur)));
	for (size_t i = 0; i < sd->nunits + sd->nremoved; i++) {
		struct unit *u = i < sd->nunits ? sd->units[i] : sd->removed[i - sd->nunits];
		if (unit_has_process(u)) {
			log_warn(u->name, "killed with SIGKILL at the shutdown deadline");
			unit_kill_all(u);
			sd->forced = true;
		}
	}
	ev_timer_set(&sd->shutdown_grace, SHUTDOWN_GRACE_SEC, 0.);
	ev_timer_start(loop, &sd->shutdown_grace);
}

void
superd_shutdown(struct superd *sd, const char *why)
{
	const struct superd_conf *c = &sd->config->conf;
	char d1[64], d2[64];

	if (sd->shutting_down) {
		log_notice(NULL, "%s: already shutting down", why);
		return;
	}
	sd->shutting_down = true;
	notify_stopping(sd);
	log_notice(NULL, "shutting down (%s): delay %s, deadline %s", why,
		   duration_format(c->shutdown_delay_usec, d1, sizeof(d1)),
		   duration_format(c->shutdown_timeout_usec, d2, sizeof(d2)));
	if (c->shutdown_timeout_usec != DURATION_INFINITY) {
		ev_timer_set(&sd->shutdown_deadline, (double)c->shutdown_timeout_usec / 1e6, 0.);
		ev_timer_start(sd->loop, &sd->shutdown_deadline);
	}
	if (c->shutdown_delay_usec > 0) {
		ev_timer_set(&sd->shutdown_delay, (double)c->shutdown_delay_usec / 1e6, 0.);
		ev_timer_start(sd->loop, &sd->shutdown_delay);
	} else {
		shutdown_stop_units(sd);
	}
}

static void
signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct superd *sd = ev_userdata(loop);
	int sig = w->signum;

	(void)revents;
	log_debug(NULL, "received %s", signame_name(sig));
	relay_signal(sd, sig);
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		superd_shutdown(sd, signame_name(sig));
		break;
	case SIGHUP:
		if (sd->shutting_down) {
			log_notice(NULL, "SIGHUP: shutting down; no reload");
			break;
		}
		log_notice(NULL, "SIGHUP: reloading the configuration");
		(void)reload_run(sd, false, NULL);
		break;
	default:
		break;
	}
}

static void
child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	(void)revents;
	unit_child_exited(ev_userdata(loop), w->rpid, w->rstatus);
}

static void
watch_signal(struct superd *sd, ev_signal *w, int sig)
{
	ev_signal_init(w, signal_cb, sig);
	ev_signal_start(sd->loop, w);
}

/* A start-up failure after the loop exists (no unit has started yet):
 * release what main() built, so that every exit leaves nothing open or
 * allocated behind (valgrind checks this path too). Returns 1. */
static int
startup_abort(struct superd *sd)
{
	ctl_close(sd);
	if (sd->loop != NULL)
		ev_loop_destroy(sd->loop);
	if (sd->devnull >= 0)
		close(sd->devnull);
	config_free(sd->config);
	return 1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"unit-dir", required_argument, NULL, 'u'},
		{"socket", required_argument, NULL, 's'},
		{"pidfile", required_argument, NULL, 'p'},
		{"check", no_argument, NULL, 'C'},
		{"strict", no_argument, NULL, 'S'},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct config_paths paths = {0};
	struct superd sd = {.devnull = -1, .ctl_fd = -1, .ctl_lock_fd = -1, .orphan_signal = SIGTERM};
	struct diag diag = {0};
	bool check = false;
	int verbosity = 0, c;

	ensure_std_fds();
	while ((c = getopt_long(argc, argv, "c:u:s:p:vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': paths.conf_file = optarg; break;
		case 'u': paths.unit_dir = optarg; break;
		case 's': paths.control_socket = optarg; break;
		case 'p': paths.pid_file = optarg; break;
		case 'C': check = true; break;
		case 'S': diag.strict = true; break;
		case 'v': verbosity = 1; break;
		case 'q': verbosity = -1; break;
		case 'V':
#ifdef HAVE_SYSTEMD
			printf("superd %s (+systemd)\n", PACKAGE_VERSION);
#else
			printf("superd %s (-systemd)\n", PACKAGE_VERSION);
#endif
			return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "superd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (diag.strict && !check) {
		fprintf(stderr, "superd: --strict goes with --check\n");
		return EXIT_USAGE;
	}

	sd.config = config_load(&paths, &diag);
	if (sd.config == NULL) {
		diag_print(&diag);
		fprintf(stderr, "superd: out of memory while loading the configuration\n");
		return 1;
	}
	if (check) {
		diag_print(&diag);
		if (diag.errors > 0)
			fprintf(stderr, "superd: configuration invalid: %zu error(s)\n", diag.errors);
		else
			printf("superd: configuration valid: %zu unit(s) in %s\n",
			       sd.config->nunits, sd.config->conf.unit_dir);
		int rc = diag.errors > 0 ? EXIT_CONFIG : 0;
		diag_free(&diag);
		config_free(sd.config);
		return rc;
	}

	if (sd.config->conf.log_level >= 0)
		log_set_level((enum log_level)sd.config->conf.log_level);
	sd.paths = paths;
	sd.verbosity = verbosity;
	if (sd.config->conf.log_target == LOG_TARGET_JOURNAL ||
	    (sd.config->conf.log_target == LOG_TARGET_AUTO && log_stderr_is_journal()))
		log_set_dest(LOG_TO_JOURNAL);
	if (verbosity > 0)
		log_set_level(LOG_LEVEL_DEBUG);
	else if (verbosity < 0)
		log_set_level(LOG_LEVEL_WARNING);
	log_never_block();
	diag_log(&diag);
	if (diag.errors > 0) {
		log_err(NULL, "configuration invalid: %zu error(s); not starting", diag.errors);
		diag_free(&diag);
		config_free(sd.config);
		return EXIT_CONFIG;
	}
	diag_free(&diag);

	sd.devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (sd.devnull < 0) {
		log_err_errno(NULL, "cannot open /dev/null");
		config_free(sd.config);
		return 1;
	}
	ignore_stray_signals();
	cloexec_inherited_fds();
	raise_nofile(&sd);
	/* Orphaned grandchildren come to us, so their exits are seen and no
	 * process of a unit's group outlives the unit unnoticed. */
	if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		log_warn_errno(NULL, "cannot become a child subreaper");

	sd.loop = ev_default_loop(EVFLAG_AUTO);
	if (sd.loop == NULL) {
		log_err(NULL, "cannot initialise the event loop (libev)");
		return startup_abort(&sd);
	}
	ev_set_userdata(sd.loop, &sd);
	watch_signal(&sd, &sd.sig_term, SIGTERM);
	watch_signal(&sd, &sd.sig_int, SIGINT);
	watch_signal(&sd, &sd.sig_hup, SIGHUP);
	watch_signal(&sd, &sd.sig_quit, SIGQUIT);
	watch_signal(&sd, &sd.sig_usr1, SIGUSR1);
	watch_signal(&sd, &sd.sig_usr2, SIGUSR2);
	watch_signal(&sd, &sd.sig_winch, SIGWINCH);
	ev_child_init(&sd.child_watcher, child_cb, 0, 0);
	ev_child_start(sd.loop, &sd.child_watcher);
	ev_init(&sd.shutdown_deadline, shutdown_deadline_cb);
	ev_init(&sd.shutdown_delay, shutdown_delay_cb);
	ev_init(&sd.shutdown_grace, shutdown_grace_cb);
	unit_queue_init(&sd);

	/* The control socket first: a second superd must stop here, before it
	 * touches the PID file or starts anything. */
	sd.ctl_fd = -1;
	sd.ctl_lock_fd = -1;
	const char *sock = sd.config->conf.control_socket ? sd.config->conf.control_socket
							  : proto_default_socket();
	if (sock == NULL) {
		log_warn(NULL, "no control socket: not root, and neither ControlSocket= nor "
			       "XDG_RUNTIME_DIR is set; superctl cannot reach this superd");
	} else if (ctl_open(&sd, sock, sd.config->conf.socket_mode,
			    sd.config->conf.socket_group) < 0) {
		return startup_abort(&sd);
	}

	if (sd.config->conf.pid_file != NULL) {
		bool was_link;
		if (pidfile_write(sd.config->conf.pid_file, getpid(), &was_link) < 0) {
			log_err_errno(NULL, "cannot write PID file %s", sd.config->conf.pid_file);
			return startup_abort(&sd);
		}
		if (was_link)
			log_warn(NULL, "PID file %s was a symbolic link: replaced by the file, "
				       "its target left untouched", sd.config->conf.pid_file);
		sd.pid_file = strdup(sd.config->conf.pid_file);
		if (sd.pid_file == NULL) {
			char why[128];
			(void)pidfile_remove(sd.config->conf.pid_file, getpid(), why, sizeof(why));
			return startup_abort(&sd);
		}
	}

	if (unit_create_all(&sd) < 0) {
		log_err(NULL, "out of memory while creating units");
		sd.exit_code = 1;
	} else {
		log_notice(NULL, "superd %s running with %zu unit(s) from %s (pid %ld)",
			   PACKAGE_VERSION, sd.nunits, sd.config->conf.unit_dir,
			   (long)getpid());
		notify_init(&sd);
		unit_start_autostart(&sd);
		notify_check_ready(&sd); /* nothing to start: ready at once */
		/* Runs until shutdown has released every unit (ev_break). */
		ev_run(sd.loop, 0);
	}

	/* SuccessAction=/FailureAction=exit: the unit's status, as promised;
	 * otherwise 1 if anything had to be SIGKILLed. */
	int code = sd.action_exit ? sd.exit_code : sd.exit_code ? sd.exit_code : sd.forced ? 1 : 0;
	ctl_close(&sd);
	notify_server_close(&sd);
	unit_free_all(&sd);
	hashmap_free(&sd.orphans_done);
	cleanup_pid_file(&sd);
	log_notice(NULL, "exiting with status %d%s", code,
		   sd.forced ? " (processes had to be killed)" : "");
	close(sd.devnull);
	config_free(sd.config);
	ev_loop_destroy(sd.loop);
	return code;
}
