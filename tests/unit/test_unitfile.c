/* Unit tests for unitfile.c (and the inifile.c reader under it): unit files
 * written to a private temporary directory and parsed. */
#include "diag.h"
#include "duration.h"
#include "testutil.h"
#include "unitfile.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#define MS USEC_PER_MSEC
#define SEC USEC_PER_SEC
#define ANY_LINE UINT_MAX

static char tmpdir[] = "/tmp/superd-test-unitfile-XXXXXX";
static char unit_path[sizeof(tmpdir) + 32];
static char env_path[sizeof(tmpdir) + 32];

/* Write text as the unit file and load it as web.service. */
static struct unit_config *
load_text(const char *text, struct diag *d)
{
	FILE *f = fopen(unit_path, "w");

	if (!CHECK(f != NULL))
		return NULL;
	fputs(text, f);
	if (!CHECK(fclose(f) == 0))
		return NULL;
	return unitfile_load(unit_path, "web.service", d);
}

/* As load_text, for text that holds NUL bytes: len bytes of it. */
static struct unit_config *
load_bytes(const char *text, size_t len, struct diag *d)
{
	FILE *f = fopen(unit_path, "w");

	if (!CHECK(f != NULL))
		return NULL;
	CHECK(fwrite(text, 1, len, f) == len);
	if (!CHECK(fclose(f) == 0))
		return NULL;
	return unitfile_load(unit_path, "web.service", d);
}

static void
diag_dump(const struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "    [%zu] %s:%u: %s: %s\n", i, d->v[i].file, d->v[i].line,
			d->v[i].severity == DIAG_ERROR	   ? "error"
			: d->v[i].severity == DIAG_WARNING ? "warning"
							   : "notice",
			d->v[i].msg);
}

/* How many entries of severity sev, on line (ANY_LINE: any), whose message
 * contains substr (NULL: any message). */
static size_t
diag_count(const struct diag *d, enum diag_severity sev, unsigned line,
	   const char *substr)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_entry *e = &d->v[i];
		if (e->severity == sev && (line == ANY_LINE || e->line == line) &&
		    (substr == NULL || strstr(e->msg, substr) != NULL))
			n++;
	}
	return n;
}

static void
check_diag(int line, const struct diag *d, enum diag_severity sev,
	   unsigned at, const char *substr, size_t want)
{
	static const char *const names[] = {"error", "warning", "notice"};
	char what[256];

	snprintf(what, sizeof(what), "number of %ss at line %d matching \"%s\"", names[sev],
		 at == ANY_LINE ? -1 : (int)at, substr ? substr : "");
	if (!testutil_check_int(diag_count(d, sev, at, substr), want, __FILE__, line,
				what, "expected"))
		diag_dump(d);
}

static void
check_no_diag(int line, const struct diag *d)
{
	if (!testutil_check_int(d->n, 0, __FILE__, line, "diag entries", "0"))
		diag_dump(d);
	testutil_check_int(d->errors, 0, __FILE__, line, "diag errors", "0");
}

#define CHECK_DIAG(d, sev, at, substr, want) \
	check_diag(__LINE__, (d), (sev), (at), (substr), (want))
#define CHECK_NO_DIAG(d) check_no_diag(__LINE__, (d))

/* The whole argv of one command. */
static void
check_argv(int line, const struct execcmd *cmd, size_t argc, const char *const *want)
{
	if (!testutil_check_int(cmd->argc, argc, __FILE__, line, "argc", "expected"))
		return;
	for (size_t i = 0; i < argc; i++)
		testutil_check_str(cmd->argv[i], want[i], __FILE__, line, "argv[i]", want[i]);
	testutil_check(cmd->argv[argc] == NULL, __FILE__, line, "argv NULL-terminated");
}

#define CHECK_ARGV(cmd, ...)                                                         \
	do {                                                                         \
		static const char *const want_[] = {__VA_ARGS__};                    \
		check_argv(__LINE__, (cmd), sizeof(want_) / sizeof(want_[0]), want_); \
	} while (0)

/* systemd's Type=idle and Type=dbus load as simple, with a warning each;
 * the old names of the path sandboxing keys are ignored like the new;
 * KillMode=control-group and none, Restart=on-abort and on-watchdog load. */
static void
test_foreign_types(void)
{
	static const char *const types[] = {"idle", "dbus"};

	for (size_t i = 0; i < 2; i++) {
		struct diag d = {0};
		char text[128];
		snprintf(text, sizeof(text), "[Service]\nType=%s\nExecStart=/bin/true\n", types[i]);
		struct unit_config *c = load_text(text, &d);
		CHECK_INT_EQ(d.errors, 0);
		if (CHECK(c != NULL))
			CHECK_INT_EQ(c->type, SERVICE_SIMPLE);
		CHECK_DIAG(&d, DIAG_WARNING, 2, "is run as Type=simple", 1);
		unitfile_free(c);
		diag_free(&d);
	}
	struct diag d = {0};
	struct unit_config *c = load_text("[Service]\nReadWriteDirectories=/var/lib/x\n"
					  "ReadOnlyDirectories=/etc\nExecStart=/bin/true\n",
					  &d);
	CHECK_INT_EQ(d.errors, 0);
	CHECK(c != NULL);
	CHECK_DIAG(&d, DIAG_WARNING, 2, "ReadWriteDirectories=", 1);
	CHECK_DIAG(&d, DIAG_WARNING, 3, "ReadOnlyDirectories=", 1);
	CHECK_DIAG(&d, DIAG_WARNING, ANY_LINE, "unknown key", 0);
	unitfile_free(c);
	diag_free(&d);

	/* systemd's KillMode= and Restart= values that distributions write. */
	c = load_text("[Service]\nExecStart=/bin/true\nKillMode=control-group\n"
		      "Restart=on-abort\n",
		      &d);
	CHECK_NO_DIAG(&d);
	if (CHECK(c != NULL)) {
		CHECK_INT_EQ(c->kill_mode, KILL_PROCESS_GROUP);
		CHECK_INT_EQ(c->restart, RESTART_ON_ABORT);
		CHECK_STR_EQ(unitfile_restart_name(c->restart), "on-abort");
	}
	unitfile_free(c);
	diag_free(&d);
	c = load_text("[Service]\nExecStart=/bin/true\nKillMode=none\nRestart=on-watchdog\n", &d);
	CHECK_INT_EQ(d.errors, 0);
	CHECK_DIAG(&d, DIAG_WARNING, 3, "KillMode=none is run as KillMode=process", 1);
	if (CHECK(c != NULL)) {
		CHECK_INT_EQ(c->kill_mode, KILL_PROCESS);
		CHECK_INT_EQ(c->restart, RESTART_ON_WATCHDOG);
		CHECK_STR_EQ(unitfile_restart_name(c->restart), "on-watchdog");
	}
	unitfile_free(c);
	diag_free(&d);
}

static void
test_defaults(void)
{
	struct diag d = {0};
	struct unit_config *c = load_text("[Service]\nExecStart=/bin/true\n", &d);

	CHECK_NO_DIAG(&d);
	if (CHECK(c != NULL)) {
		CHECK_STR_EQ(c->name, "web.service");
		CHECK_STR_EQ(c->path, unit_path);
		CHECK(c->description == NULL);
		CHECK_INT_EQ(c->type, SERVICE_SIMPLE);
		CHECK_INT_EQ(c->restart, RESTART_ALWAYS);
		CHECK_U64_EQ(c->restart_usec, 1 * SEC);
		CHECK_U64_EQ(c->restart_max_usec, 60 * SEC);
		CHECK_U64_EQ(c->restart_reset_usec, 30 * SEC);
		CHECK_U64_EQ(c->timeout_stop_usec, 10 * SEC);
		CHECK_U64_EQ(c->timeout_start_usec, 30 * SEC);
		CHECK_INT_EQ(c->kill_signal, SIGTERM);
		CHECK_INT_EQ(c->kill_mode, KILL_PROCESS_GROUP);
		CHECK_INT_EQ(c->reload_signal, SIGHUP);
		CHECK(c->auto_start);
		CHECK_INT_EQ(c->start_limit_burst, 0);
		CHECK(!c->remain_after_exit);
		CHECK_INT_EQ(c->notify_access, NOTIFY_ACCESS_NONE); /* a simple unit listens to nothing */
		CHECK(!c->forward_signals_set);
		CHECK(!c->umask_set);
		CHECK(!c->nice_set);
		CHECK(!c->limit_nofile_set && !c->limit_core_set && !c->limit_nproc_set);
		CHECK(!c->no_new_privileges);
		CHECK_INT_EQ(c->success_action, UNIT_ACTION_NONE);
		CHECK_INT_EQ(c->failure_action, UNIT_ACTION_NONE);
		CHECK(c->user == NULL && c->group == NULL && c->working_directory == NULL);
		CHECK(c->pid_file == NULL && c->write_pid_file == NULL);
		CHECK(c->standard_output == NULL && c->standard_error == NULL);
		CHECK_INT_EQ(c->environment.n, 0);
		CHECK_INT_EQ(c->after.n + c->before.n + c->requires.n + c->wants.n, 0);
		CHECK_INT_EQ(c->nconditions, 0);
		CHECK_INT_EQ(c->exec_start_pre.n + c->exec_start_post.n + c->exec_stop.n +
				     c->exec_reload.n,
			     0);
		CHECK_INT_EQ(c->service_line, 1);
		if (CHECK_INT_EQ(c->exec_start.n, 1)) {
			CHECK_STR_EQ(c->exec_start.v[0].path, "/bin/true");
			CHECK_ARGV(&c->exec_start.v[0], "/bin/true");
			CHECK_INT_EQ(c->exec_start.v[0].line, 2);
			CHECK_INT_EQ(c->exec_start.v[0].flags, 0);
		}
		CHECK_STR_EQ(unitfile_type_name(c->type), "simple");
		CHECK_STR_EQ(unitfile_restart_name(c->restart), "always");
		CHECK_STR_EQ(unitfile_kill_mode_name(c->kill_mode), "process-group");
	}
	unitfile_free(c);
	diag_free(&d);

	/* Type=oneshot alone: Restart= defaults to no (SPEC §2). */
	c = load_text("[Service]\nType=oneshot\nExecStart=/bin/true\n", &d);
	CHECK_INT_EQ(d.errors, 0);
	if (CHECK(c != NULL)) {
		CHECK_INT_EQ(c->type, SERVICE_ONESHOT);
		CHECK_INT_EQ(c->restart, RESTART_NO);
	}
	unitfile_free(c);
	diag_free(&d);

	/* An explicit Restart= wins for oneshot, in either order. */
	c = load_text("[Service]\nRestart=on-failure\nType=oneshot\nExecStart=/bin/true\n", &d);
	CHECK_INT_EQ(d.errors, 0);
	if (CHECK(c != NULL))
		CHECK_INT_EQ(c->restart, RESTART_ON_FAILURE);
	unitfile_free(c);
	diag_free(&d);
	c = load_text("[Service]\nType=oneshot\nRestart=always\nExecStart=/bin/true\n", &d);
	CHECK_INT_EQ(d.errors, 0);
	if (CHECK(c != NULL))
		CHECK_INT_EQ(c->restart, RESTART_ALWAYS);
	unitfile_free(c);
	diag_free(&d);
}

static void
test_all_keys(void)
{
	struct diag d = {0};
	struct unit_config *c = load_text(
		"[Unit]\n"					 /* 1 */
		"Description=My web server\n"			 /* 2 */
		"After=db.service cache\n"			 /* 3 */
		"Before=late\n"					 /* 4 */
		"Requires=db\n"					 /* 5 */
		"Wants=cache.service\n"				 /* 6 */
		"ConditionPathExists=/etc/passwd\n"		 /* 7 */
		"ConditionPathIsDirectory=|!/nonexistent\n"	 /* 8 */
		"ConditionFileNotEmpty=/etc/hostname\n"		 /* 9 */
		"ConditionDirectoryNotEmpty=/etc\n"		 /* 10 */
		"AssertPathExists=/etc\n"			 /* 11 */
		"StartLimitBurst=5\n"				 /* 12 */
		"StartLimitIntervalSec=20s\n"			 /* 13 */
		"\n"						 /* 14 */
		"[Service]\n"					 /* 15 */
		"Type=exec\n"					 /* 16 */
		"ExecStart=/usr/bin/web --port ${PORT} $GREETING\n" /* 17 */
		"Restart=on-failure\n"				 /* 18 */
		"RestartSec=500ms\n"				 /* 19 */
		"RestartMaxDelaySec=2min\n"			 /* 20 */
		"RestartResetSec=1h\n"				 /* 21 */
		"KillSignal=SIGINT\n"				 /* 22 */
		"KillMode=mixed\n"				 /* 23 */
		"TimeoutStopSec=1min 30s\n"			 /* 24 */
		"TimeoutStartSec=infinity\n"			 /* 25 */
		"WorkingDirectory=-/srv/web\n"			 /* 26 */
		"UMask=0027\n"					 /* 27 */
		"Environment=PORT=8080 \"GREETING=hello world\"\n" /* 28 */
		"RedactEnvironment=MY_KEY OTHER\n"		 /* 29 */
		"LimitNOFILE=1024:4096\n"			 /* 30 */
		"LimitCORE=infinity\n"				 /* 31 */
		"LimitNPROC=100\n"				 /* 32 */
		"Nice=-5\n"					 /* 33 */
		"NoNewPrivileges=yes\n"				 /* 34 */
		"AutoStart=no\n"				 /* 35 */
		"\n"						 /* 36 */
		"[Install]\n"					 /* 37 */
		"WantedBy=multi-user.target\n",			 /* 38 */
		&d);

	/* Nothing to report but, for keys still marked as such, "not
	 * implemented" (that set changes from version to version). */
	CHECK_INT_EQ(d.errors, 0);
	if (!CHECK_INT_EQ(diag_count(&d, DIAG_WARNING, ANY_LINE, "not implemented"), d.n))
		diag_dump(&d);
	if (!CHECK(c != NULL))
		goto out;
	CHECK_STR_EQ(c->description, "My web server");
	if (CHECK_INT_EQ(c->after.n, 2)) {
		CHECK_STR_EQ(c->after.v[0].name, "db.service");
		CHECK_STR_EQ(c->after.v[1].name, "cache.service");
		CHECK_INT_EQ(c->after.v[0].line, 3);
	}
	if (CHECK_INT_EQ(c->before.n, 1))
		CHECK_STR_EQ(c->before.v[0].name, "late.service");
	if (CHECK_INT_EQ(c->requires.n, 1)) {
		CHECK_STR_EQ(c->requires.v[0].name, "db.service");
		CHECK_INT_EQ(c->requires.v[0].line, 5);
	}
	if (CHECK_INT_EQ(c->wants.n, 1))
		CHECK_STR_EQ(c->wants.v[0].name, "cache.service");
	if (CHECK_INT_EQ(c->nconditions, 5)) {
		CHECK_INT_EQ(c->conditions[0].kind, COND_PATH_EXISTS);
		CHECK_STR_EQ(c->conditions[0].path, "/etc/passwd");
		CHECK(!c->conditions[0].negate && !c->conditions[0].trigger &&
		      !c->conditions[0].assert);
		CHECK_INT_EQ(c->conditions[1].kind, COND_PATH_IS_DIRECTORY);
		CHECK_STR_EQ(c->conditions[1].path, "/nonexistent");
		CHECK(c->conditions[1].negate && c->conditions[1].trigger);
		CHECK_INT_EQ(c->conditions[2].kind, COND_FILE_NOT_EMPTY);
		CHECK_INT_EQ(c->conditions[3].kind, COND_DIRECTORY_NOT_EMPTY);
		CHECK_INT_EQ(c->conditions[4].kind, COND_PATH_EXISTS);
		CHECK(c->conditions[4].assert);
		CHECK_STR_EQ(c->conditions[4].path, "/etc");
	}
	CHECK_INT_EQ(c->start_limit_burst, 5);
	CHECK_U64_EQ(c->start_limit_interval_usec, 20 * SEC);
	CHECK_INT_EQ(c->type, SERVICE_EXEC);
	if (CHECK_INT_EQ(c->exec_start.n, 1)) {
		CHECK_ARGV(&c->exec_start.v[0], "/usr/bin/web", "--port", "8080", "hello",
			   "world");
		CHECK_INT_EQ(c->exec_start.v[0].line, 17);
	}
	CHECK_INT_EQ(c->restart, RESTART_ON_FAILURE);
	CHECK_U64_EQ(c->restart_usec, 500 * MS);
	CHECK_U64_EQ(c->restart_max_usec, 120 * SEC);
	CHECK_U64_EQ(c->restart_reset_usec, 3600 * SEC);
	CHECK_INT_EQ(c->kill_signal, SIGINT);
	CHECK_INT_EQ(c->kill_mode, KILL_MIXED);
	CHECK_U64_EQ(c->timeout_stop_usec, 90 * SEC);
	CHECK_U64_EQ(c->timeout_start_usec, DURATION_INFINITY);
	CHECK_STR_EQ(c->working_directory, "/srv/web");
	CHECK(c->working_directory_optional);
	CHECK(c->umask_set);
	CHECK_INT_EQ(c->umask, 027);
	if (CHECK_INT_EQ(c->environment.n, 2)) {
		CHECK_STR_EQ(c->environment.v[0], "PORT=8080");
		CHECK_STR_EQ(c->environment.v[1], "GREETING=hello world");
	}
	CHECK_STR_EQ(unitfile_getenv(c, "GREETING", 8), "hello world");
	CHECK_STR_EQ(unitfile_getenv(c, "PORTX", 4), "8080"); /* by length */
	CHECK(unitfile_getenv(c, "NOPE", 4) == NULL);
	if (CHECK_INT_EQ(c->redact_environment.n, 2)) {
		CHECK_STR_EQ(c->redact_environment.v[0], "MY_KEY");
		CHECK_STR_EQ(c->redact_environment.v[1], "OTHER");
	}
	CHECK(c->limit_nofile_set);
	CHECK_U64_EQ(c->limit_nofile[0], 1024);
	CHECK_U64_EQ(c->limit_nofile[1], 4096);
	CHECK(c->limit_core_set);
	CHECK_U64_EQ(c->limit_core[0], RLIM_INFINITY);
	CHECK_U64_EQ(c->limit_core[1], RLIM_INFINITY);
	CHECK(c->limit_nproc_set);
	CHECK_U64_EQ(c->limit_nproc[0], 100);
	CHECK_U64_EQ(c->limit_nproc[1], 100);
	CHECK(c->nice_set);
	CHECK_INT_EQ(c->nice, -5);
	CHECK(c->no_new_privileges);
	CHECK(!c->auto_start);
	CHECK_INT_EQ(c->service_line, 15);
out:
	unitfile_free(c);
	diag_free(&d);
}

/* Keys this version parses and checks but does not act on: values are
 * kept, and each key gets one warning. */
static void
test_not_yet_keys(void)
{
	struct diag d = {0};
	struct unit_config *c = load_text(
		"[Unit]\n"				  /* 1 */
		"SuccessAction=exit\n"			  /* 2 */
		"FailureAction=none\n"			  /* 3 */
		"[Service]\n"				  /* 4 */
		"ExecStart=/bin/true\n"			  /* 5 */
		"ExecStartPre=-/bin/prep %N\n"		  /* 6 */
		"ExecStartPost=/bin/post\n"		  /* 7 */
		"ExecReload=/bin/kill -HUP $MAINPID\n"	  /* 8 */
		"ExecStop=/bin/stop\n"			  /* 9 */
		"ReloadSignal=USR1\n"			  /* 10 */
		"ForwardSignals=HUP SIGUSR2 term\n"	  /* 11 */
		"PIDFile=/run/web.pid\n"		  /* 12 */
		"WritePIDFile=/run/web2.pid\n"		  /* 13 */
		"NotifyAccess=all\n"			  /* 14 */
		"WatchdogSec=5s\n"			  /* 15 */
		"User=www-data\n"			  /* 16 */
		"Group=www\n"				  /* 17 */
		"SupplementaryGroups=adm video\n"	  /* 18 */
		"EnvironmentFile=-/etc/default/web\n"	  /* 19 */
		"PassEnvironment=TERM LANG\n"		  /* 20 */
		"UnsetEnvironment=FOO BAR=1\n"		  /* 21 */
		"StandardOutput=append:/var/log/web.log\n" /* 22 */
		"StandardError=null\n"			  /* 23 */
		"RemainAfterExit=yes\n"			  /* 24 */
		"RuntimeDirectory=web\n"		  /* 25 */
		"User=nobody\n",			  /* 26 */
		&d);

	CHECK_INT_EQ(d.errors, 0);
	if (!CHECK(c != NULL))
		goto out;
	CHECK_INT_EQ(c->success_action, UNIT_ACTION_EXIT);
	CHECK_INT_EQ(c->failure_action, UNIT_ACTION_NONE);
	if (CHECK_INT_EQ(c->exec_start_pre.n, 1)) {
		CHECK_INT_EQ(c->exec_start_pre.v[0].flags, EXECCMD_IGNORE_FAILURE);
		CHECK_ARGV(&c->exec_start_pre.v[0], "/bin/prep", "web");
	}
	if (CHECK_INT_EQ(c->exec_start_post.n, 1))
		CHECK_ARGV(&c->exec_start_post.v[0], "/bin/post");
	if (CHECK_INT_EQ(c->exec_reload.n, 1))
		/* $MAINPID is known only when the command runs: a marker now. */
		CHECK_ARGV(&c->exec_reload.v[0], "/bin/kill", "-HUP", UNITFILE_MAINPID_MARK);
	if (CHECK_INT_EQ(c->exec_stop.n, 1))
		CHECK_ARGV(&c->exec_stop.v[0], "/bin/stop");
	CHECK_INT_EQ(c->reload_signal, SIGUSR1);
	CHECK(c->forward_signals_set);
	CHECK_INT_EQ(c->forward_signals, (1u << SIGHUP) | (1u << SIGUSR2) | (1u << SIGTERM));
	CHECK_STR_EQ(c->pid_file, "/run/web.pid");
	CHECK_STR_EQ(c->write_pid_file, "/run/web2.pid");
	CHECK_INT_EQ(c->notify_access, NOTIFY_ACCESS_ALL);
	CHECK_U64_EQ(c->watchdog_usec, 5 * SEC);
	CHECK_STR_EQ(c->user, "nobody"); /* the last assignment wins */
	CHECK_STR_EQ(c->group, "www");
	if (CHECK_INT_EQ(c->supplementary_groups.n, 2)) {
		CHECK_STR_EQ(c->supplementary_groups.v[0], "adm");
		CHECK_STR_EQ(c->supplementary_groups.v[1], "video");
	}
	if (CHECK_INT_EQ(c->environment_files.n, 1))
		CHECK_STR_EQ(c->environment_files.v[0], "-/etc/default/web");
	CHECK_INT_EQ(c->pass_environment.n, 2);
	if (CHECK_INT_EQ(c->unset_environment.n, 2))
		CHECK_STR_EQ(c->unset_environment.v[1], "BAR=1");
	CHECK_STR_EQ(c->standard_output, "append:/var/log/web.log");
	CHECK_STR_EQ(c->standard_error, "null");
	CHECK(c->remain_after_exit);
	/* One warning per key, at its first line; User= twice gives one. */
	CHECK_DIAG(&d, DIAG_WARNING, ANY_LINE, "ReloadSignal=", 0); /* in effect: no warning */
	CHECK_DIAG(&d, DIAG_WARNING, ANY_LINE, "User=", 0); /* in effect: no warning */
	CHECK_DIAG(&d, DIAG_WARNING, ANY_LINE, "RuntimeDirectory=", 0); /* in effect: no warning */
	/* No key is warned about twice. */
	size_t twice = 0;
	for (size_t i = 0; i < d.n; i++) {
		const char *eq = strchr(d.v[i].msg, '=');
		size_t klen = eq ? (size_t)(eq - d.v[i].msg) + 1 : strlen(d.v[i].msg);
		for (size_t j = i + 1; j < d.n; j++)
			if (strncmp(d.v[i].msg, d.v[j].msg, klen) == 0) {
				fprintf(stderr, "  twice: %s\n", d.v[i].msg);
				twice++;
			}
	}
	CHECK_INT_EQ(twice, 0);
	CHECK_INT_EQ(diag_count(&d, DIAG_WARNING, ANY_LINE, NULL), d.n);
out:
	unitfile_free(c);
	diag_free(&d);
}

static void
test_timeouts(void)
{
	struct diag d = {0};
	struct unit_config *c;

	c = load_text("[Service]\nExecStart=/bin/true\nTimeoutSec=45s\n", &d);
	CHECK_NO_DIAG(&d);
	if (CHECK(c != NULL)) {
		CHECK_U64_EQ(c->timeout_stop_usec, 45 * SEC);
		CHECK_U64_EQ(c->timeout_start_usec, 45 * SEC);
	}
	unitfile_free(c);
	diag_free(&d);

	c = load_text("[Service]\nExecStart=/bin/true\nTimeoutStopSec=0\nTimeoutStartSec=2.5s\n",
		      &d);
	CHECK_NO_DIAG(&d);
	if (CHECK(c != NULL)) {
		CHECK_U64_EQ(c->timeout_stop_usec, DURATION_INFINITY);
		CHECK_U64_EQ(c->timeout_start_usec, 2500 * MS);
	}
	unitfile_free(c);
	diag_free(&d);

	c = load_text("[Service]\nExecStart=/bin/true\nTimeoutStopSec=infinity\n"
		      "RestartSec=0\nRestartMaxDelaySec=1d 2h\n",
		      &d);
	CHECK_NO_DIAG(&d);
	if (CHECK(c != NULL)) {
		CHECK_U64_EQ(c->timeout_stop_usec, DURATION_INFINITY);
		CHECK_U64_EQ(c->restart_usec, 0);
		CHECK_U64_EQ(c->restart_max_usec, 26 * 3600 * SEC);
	}
	unitfile_free(c);
	diag_free(&d);

	/* A cap below RestartSec= is raised to it. */
	c = load_text("[Service]\nExecStart=/bin/true\nRestartSec=2min\nRestartMaxDelaySec=10s\n",
		      &d);
	CHECK_INT_EQ(d.errors, 0);
	if (CHECK(c != NULL)) {
		CHECK_U64_EQ(c->restart_usec, 120 * SEC);
		CHECK_U64_EQ(c->restart_max_usec, 120 * SEC);
	}
	unitfile_free(c);
	diag_free(&d);
}

/* inih's Debian build reads 200-byte lines: our reader must pass longer
 * ones through whole. */
static void
test_long_lines(void)
{
	struct diag d = {0};
	struct unit_config *c;
	char *text, *arg = malloc(1001), *desc = malloc(301);

	if (!CHECK(arg != NULL && desc != NULL)) {
		free(arg);
		free(desc);
		return;
	}
	for (int i = 0; i < 1000; i++)
		arg[i] = (char)('a' + i % 26);
	arg[1000] = '\0';
	memset(desc, 'D', 300);
	desc[300] = '\0';
	if (!CHECK(asprintf(&text,
			    "[Unit]\nDescription=%s\n[Service]\n"
			    "ExecStart=/bin/echo --data=%s \"%s\" tail\n"
			    "Environment=LONG=%s\n"
			    "Restart=no\n",
			    desc, arg, arg, arg) > 0)) {
		free(arg);
		free(desc);
		return;
	}
	c = load_text(text, &d);
	CHECK_NO_DIAG(&d);
	if (CHECK(c != NULL)) {
		char *want1 = NULL;
		CHECK_STR_EQ(c->description, desc);
		CHECK(asprintf(&want1, "--data=%s", arg) > 0);
		if (CHECK_INT_EQ(c->exec_start.n, 1)) {
			const struct execcmd *cmd = &c->exec_start.v[0];
			if (CHECK_INT_EQ(cmd->argc, 4)) {
				CHECK_STR_EQ(cmd->argv[0], "/bin/echo");
				CHECK_STR_EQ(cmd->argv[1], want1);
				CHECK_STR_EQ(cmd->argv[2], arg);
				CHECK_INT_EQ(strlen(cmd->argv[2]), 1000);
				CHECK_STR_EQ(cmd->argv[3], "tail");
			}
			CHECK_INT_EQ(cmd->line, 4);
		}
		CHECK_STR_EQ(unitfile_getenv(c, "LONG", 4), arg);
		/* The key after the long lines is still seen, on its line. */
		CHECK_INT_EQ(c->restart, RESTART_NO);
		free(want1);
	}
	unitfile_free(c);
	diag_free(&d);
	free(text);

	/* A long line with an unknown key: reported on the right line. */
	if (CHECK(asprintf(&text, "[Service]\nExecStart=/bin/true\nFrobnicate=%s\nBogus=1\n", arg) >
		  0)) {
		c = load_text(text, &d);
		CHECK_DIAG(&d, DIAG_WARNING, 3, "Frobnicate", 1);
		CHECK_DIAG(&d, DIAG_WARNING, 4, "Bogus", 1);
		CHECK_INT_EQ(d.errors, 0);
		unitfile_free(c);
		diag_free(&d);
		free(text);
	}
	free(arg);
	free(desc);
}

static void
test_continuation(void)
{
	struct diag d = {0};
	struct unit_config *c = load_text(
		"[Service]\n"			/* 1 */
		"ExecStart=/bin/echo one \\\n"	/* 2 */
		"  two \\\n"			/* 3 */
		"# a comment inside \\\n"	/* 4 */
		"; another comment\n"		/* 5 */
		"  three\n"			/* 6 */
		"Environment=A=1 \\\n"		/* 7 */
		"   B=2\n"			/* 8 */
		"Bogus=1\n"			/* 9 */
		"Description=x\\\n",		/* 10: continuation at end of file */
		&d);

	if (CHECK(c != NULL)) {
		if (CHECK_INT_EQ(c->exec_start.n, 1)) {
			CHECK_ARGV(&c->exec_start.v[0], "/bin/echo", "one", "two", "three");
			CHECK_INT_EQ(c->exec_start.v[0].line, 2);
		}
		if (CHECK_INT_EQ(c->environment.n, 2)) {
			CHECK_STR_EQ(c->environment.v[0], "A=1");
			CHECK_STR_EQ(c->environment.v[1], "B=2");
		}
	}
	/* Physical line numbers survive the joins. */
	CHECK_DIAG(&d, DIAG_WARNING, 9, "Bogus", 1);
	CHECK_DIAG(&d, DIAG_WARNING, 10, "Description= belongs in [Unit]", 1);
	CHECK_INT_EQ(d.errors, 0);
	unitfile_free(c);
	diag_free(&d);

	/* An even run of trailing backslashes is escaped backslashes, not a
	 * continuation: the next line is an assignment of its own. */
	c = load_text("[Service]\n"
		      "ExecStart=/bin/echo [a] \\\\\n"
		      "Restart=no\n"
		      "Environment=A=1\\\\\\\n" /* odd: continued */
		      "  B=2\n",
		      &d);
	CHECK_INT_EQ(d.errors, 0);
	if (CHECK(c != NULL)) {
		if (CHECK_INT_EQ(c->exec_start.n, 1))
			CHECK_ARGV(&c->exec_start.v[0], "/bin/echo", "[a]", "\\");
		CHECK_INT_EQ(c->restart, RESTART_NO);
		if (CHECK_INT_EQ(c->environment.n, 2)) {
			CHECK_STR_EQ(c->environment.v[0], "A=1\\");
			CHECK_STR_EQ(c->environment.v[1], "B=2");
		}
	}
	unitfile_free(c);
	diag_free(&d);

	/* A NUL byte would cut the value short: the line is an error, and
	 * so is the continued assignment it is part of; comments may hold
	 * anything. */
	{
		static const char text[] = "[Service]\n"		  /* 1 */
					   "ExecStart=/bin/echo a\0b c\n" /* 2 */
					   "Restart=no\n"		  /* 3 */
					   "# \0 in a comment\n"	  /* 4 */
					   "Environment=A=1 \\\n"	  /* 5 */
					   "  B=\0\n"			  /* 6 */
					   "Description=x\n";		  /* 7 */
		c = load_bytes(text, sizeof(text) - 1, &d);
		CHECK_DIAG(&d, DIAG_ERROR, 2, "NUL byte in line", 1);
		CHECK_DIAG(&d, DIAG_ERROR, 6, "NUL byte in line", 1);
		CHECK_DIAG(&d, DIAG_ERROR, ANY_LINE, "NUL", 2);
		CHECK_DIAG(&d, DIAG_ERROR, 4, NULL, 0); /* the comment */
		CHECK_DIAG(&d, DIAG_WARNING, 7, "Description=", 1); /* its own line */
		if (c != NULL) {
			CHECK_INT_EQ(c->exec_start.n, 0);
			CHECK_INT_EQ(c->environment.n, 0);
			CHECK_INT_EQ(c->restart, RESTART_NO);
		}
		unitfile_free(c);
		diag_free(&d);
	}

	/* An error in a continued value names the line where it began. */
	c = load_text("[Service]\n"
		      "ExecStart=/bin/echo \\\n"
		      "  \"unterminated\n",
		      &d);
	CHECK_DIAG(&d, DIAG_ERROR, 2, "unterminated double quote", 1);
	unitfile_free(c);
	diag_free(&d);
}

static void
test_semicolons_and_comments(void)
{
	struct diag d = {0};
	struct unit_config *c = load_text(
		"# leading comment\n"			      /* 1 */
		"; another comment\n"			      /* 2 */
		"[Unit]\n"				      /* 3 */
		"  # indented comment\n"		      /* 4 */
		"Description=foo ; not a comment # nor this\n" /* 5 */
		"[Service]\n"				      /* 6 */
		"ExecStart=/bin/sh -c \"echo a; echo b\"\n"     /* 7 */
		";ExecStart=/bin/false\n"		      /* 8 */
		"#ExecStart=/bin/false\n"		      /* 9 */
		"Environment=X=a;b \"Y=c ;d\"\n",	      /* 10 */
		&d);

	CHECK_NO_DIAG(&d);
	if (CHECK(c != NULL)) {
		CHECK_STR_EQ(c->description, "foo ; not a comment # nor this");
		if (CHECK_INT_EQ(c->exec_start.n, 1))
			CHECK_ARGV(&c->exec_start.v[0], "/bin/sh", "-c", "echo a; echo b");
		if (CHECK_INT_EQ(c->environment.n, 2)) {
			CHECK_STR_EQ(c->environment.v[0], "X=a;b");
			CHECK_STR_EQ(c->environment.v[1], "Y=c ;d");
		}
	}
	unitfile_free(c);
	diag_free(&d);

	/* A lone ';' would be a command separator in systemd: an error on its
	 * line, never a silent cut. An escaped one is an argument. */
	c = load_text("[Service]\n\nExecStart=/bin/echo a ; /bin/echo b\n", &d);
	CHECK_DIAG(&d, DIAG_ERROR, 3, "lone ';'", 1);
	if (c != NULL)
		CHECK_INT_EQ(c->exec_start.n, 0);
	unitfile_free(c);
	diag_free(&d);
	/* In any other key that splits words, the message speaks of that key
	 * and not of commands or ExecStart=. */
	c = load_text("[Unit]\nAfter=db.service ;\n"
		      "[Service]\nExecStart=/bin/true\n"
		      "Environment=\"A=1;2\" B=3 ; comment?\n",
		      &d);
	CHECK_DIAG(&d, DIAG_ERROR, 2, "lone ';'", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 5, "invalid Environment=: a lone ';'", 1);
	CHECK_DIAG(&d, DIAG_ERROR, ANY_LINE, "command", 0);
	CHECK_DIAG(&d, DIAG_ERROR, ANY_LINE, "ExecStart", 0);
	CHECK_INT_EQ(d.errors, 2);
	unitfile_free(c);
	diag_free(&d);
	c = load_text("[Service]\nExecStart=/usr/bin/find / -exec echo {} \\;\n", &d);
	CHECK_NO_DIAG(&d);
	if (CHECK(c != NULL) && CHECK_INT_EQ(c->exec_start.n, 1))
		CHECK_ARGV(&c->exec_start.v[0], "/usr/bin/find", "/", "-exec", "echo", "{}", ";");
	unitfile_free(c);
	diag_free(&d);
}

static void
test_environment(void)
{
	struct diag d = {0};
	struct unit_config *c = load_text(
		"[Service]\n"
		"Environment=A=1 B=2\n"
		"Environment=C=3\n"
		"Environment=\n"
		"Environment=D=4\n"
		"Environment=E=5 D=6\n"
		"Environment=\"F=x y\" G=\n"
		"ExecStart=/bin/echo ${D} $F ${G}x ${A:-none}\n",
		&d);

	CHECK_NO_DIAG(&d);
	if (CHECK(c != NULL)) {
		/* One assignment per name, where it first appeared, with the
		 * value set last. */
		if (CHECK_INT_EQ(c->environment.n, 4)) {
			CHECK_STR_EQ(c->environment.v[0], "D=6");
			CHECK_STR_EQ(c->environment.v[1], "E=5");
			CHECK_STR_EQ(c->environment.v[2], "F=x y");
			CHECK_STR_EQ(c->environment.v[3], "G=");
		}
		CHECK_STR_EQ(unitfile_getenv(c, "D", 1), "6"); /* last wins */
		CHECK(unitfile_getenv(c, "A", 1) == NULL);	/* reset */
		CHECK_STR_EQ(unitfile_getenv(c, "G", 1), "");
		CHECK(unitfile_getenv(c, "PATH", 4) != NULL);
		if (CHECK_INT_EQ(c->exec_start.n, 1))
			CHECK_ARGV(&c->exec_start.v[0], "/bin/echo", "6", "x", "y", "x", "none");
	}
	unitfile_free(c);
	diag_free(&d);

	/* ${VAR} expands from Environment= even when it comes later. */
	c = load_text("[Service]\n"
		      "ExecStart=/opt/${APP}/bin/run --listen ${ADDR}:${PORT}\n"
		      "Environment=APP=shop PORT=80\n"
		      "Environment=ADDR=0.0.0.0\n",
		      &d);
	CHECK_NO_DIAG(&d);
	if (CHECK(c != NULL) && CHECK_INT_EQ(c->exec_start.n, 1)) {
		CHECK_STR_EQ(c->exec_start.v[0].path, "/opt/shop/bin/run");
		CHECK_ARGV(&c->exec_start.v[0], "/opt/shop/bin/run", "--listen", "0.0.0.0:80");
	}
	unitfile_free(c);
	diag_free(&d);

	/* A bad assignment is an error on its line, and the value (maybe a
	 * secret) is not repeated. */
	c = load_text("[Service]\nExecStart=/bin/true\nEnvironment=OK=1 1BAD=hunter2 NOEQUALS\n",
		      &d);
	CHECK_DIAG(&d, DIAG_ERROR, 3, "Environment=", 2);
	for (size_t i = 0; i < d.n; i++)
		CHECK(strstr(d.v[i].msg, "hunter2") == NULL);
	if (c != NULL)
		CHECK_STR_EQ(unitfile_getenv(c, "OK", 2), "1");
	unitfile_free(c);
	diag_free(&d);
}

/* Write len bytes as the environment file and load a unit that reads it. */
static struct unit_config *
load_env(const char *bytes, size_t len, struct diag *d)
{
	FILE *f = fopen(env_path, "w");
	char unit[256];

	if (!CHECK(f != NULL))
		return NULL;
	CHECK_INT_EQ(fwrite(bytes, 1, len, f), len);
	if (!CHECK(fclose(f) == 0))
		return NULL;
	snprintf(unit, sizeof(unit), "[Service]\nExecStart=/bin/true\nEnvironmentFile=%s\n",
		 env_path);
	return load_text(unit, d);
}

#define LOAD_ENV(literal, d) load_env((literal), sizeof(literal) - 1, (d))

/* Whether any message of d contains s (a value that must never appear). */
static bool
diag_mentions(const struct diag *d, const char *s)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->v[i].msg, s) != NULL)
			return true;
	return false;
}

/* EnvironmentFile= as systemd reads it: comments, names, unquoted values
 * with backslash escapes, quotes anywhere in a value, line continuations. */
static void
test_environment_file(void)
{
	struct diag d = {0};
	struct unit_config *c = LOAD_ENV(
		"  # an indented comment\n"
		"\t; an indented ; comment\n"
		"# a comment ending in a backslash ends anyway \\\n"
		"AFTER_COMMENT=1\n"
		"\n"
		"SPACED = value\n"
		"  LEADKEY\t=x\n"
		"CAT=\"x\"y\n"
		"MID=a\"b c\"d\n"
		"ADJ='a'\"b\"c\n"
		"GAP=\"a\" \"b\"\n"
		"BS=a\\ b\n"
		"ESC=\\\"\\$\\\\\\q\n"
		"SQ='one\ntwo \\n $X \"'\n"
		"SQBS='a\\'\n"
		"DQ=\"first\nsecond\"\n"
		"DQESC=\"a\\nb \\\" \\\\ \\` \\$ \\q\"\n"
		"DQCONT=\"joined \\\nhere\"\n"
		"CONT=first \\\n  second\n"
		"CRCONT=a\\\r\nb\n"
		"TRAIL=t  \t\n"
		"QTRAIL=\"k  \"  \n"
		"ESCTRAIL=k\\ \n"
		"LEAD= \t lead\n"
		"INNER=a   b\n"
		"EMPTY=\n"
		"EMPTYQ=''\n"
		"HASH=v # not a comment\n"
		"SEMI=a;b\n"
		"export EXP=1\n"
		"export\tEXP2=2\n"
		"export=3\n"
		"\\\nKEYCONT=4\n"
		"CRLF=dos\r\n"
		"DUP=1\n"
		"DUP=2\n"
		"LAST=end \\",
		&d);
	static const char *const want[][2] = {
		{"AFTER_COMMENT", "1"},
		{"SPACED", "value"},
		{"LEADKEY", "x"},
		{"CAT", "xy"},
		{"MID", "a\"b c\"d"}, /* as systemd: quotes open a value only */
		{"GAP", "ab"},	      /* and blanks between quoted parts go */
		{"ADJ", "abc"},
		{"BS", "a b"},
		{"ESC", "\"$\\q"},
		{"SQ", "one\ntwo \\n $X \""},
		{"SQBS", "a\\"},
		{"DQ", "first\nsecond"},
		{"DQESC", "a\\nb \" \\ ` $ \\q"},
		{"DQCONT", "joined here"},
		{"CONT", "first   second"},
		{"CRCONT", "ab"},
		{"TRAIL", "t"},
		{"QTRAIL", "k  "},
		{"ESCTRAIL", "k "},
		{"LEAD", "lead"},
		{"INNER", "a   b"},
		{"EMPTY", ""},
		{"EMPTYQ", ""},
		{"HASH", "v # not a comment"},
		{"SEMI", "a;b"},
		{"EXP", "1"},
		{"EXP2", "2"},
		{"export", "3"},
		{"KEYCONT", "4"},
		{"CRLF", "dos"},
		{"DUP", "2"},
		{"LAST", "end"}, /* a backslash at the very end escapes nothing */
	};

	CHECK_NO_DIAG(&d);
	if (CHECK(c != NULL)) {
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			const char *v = unitfile_getenv(c, want[i][0], strlen(want[i][0]));
			if (!CHECK_STR_EQ(v, want[i][1]))
				fprintf(stderr, "  (variable %s)\n", want[i][0]);
		}
		/* Nothing else: comments set nothing, DUP is there once. */
		CHECK_INT_EQ(c->environment.n, sizeof(want) / sizeof(want[0]));
	}
	unitfile_free(c);
	diag_free(&d);

	/* A value is never cut: 100000 bytes, bare and in double quotes. */
	{
		size_t n = 100000;
		char *text = malloc(2 * n + 32), *p = text;
		if (CHECK(text != NULL)) {
			p += sprintf(p, "BIG=");
			memset(p, 'b', n);
			p += n;
			p += sprintf(p, "\nQBIG=\"");
			memset(p, 'q', n);
			p += n;
			p += sprintf(p, "\"\n");
			c = load_env(text, (size_t)(p - text), &d);
			CHECK_NO_DIAG(&d);
			if (CHECK(c != NULL)) {
				const char *big = unitfile_getenv(c, "BIG", 3);
				const char *qbig = unitfile_getenv(c, "QBIG", 4);
				CHECK(big != NULL && strlen(big) == n && big[n - 1] == 'b');
				CHECK(qbig != NULL && strlen(qbig) == n && qbig[n - 1] == 'q');
			}
			unitfile_free(c);
			diag_free(&d);
		}
		free(text);
	}
}

/* Problems are errors as ENVFILE:LINE:, naming at most the variable, never
 * its value; the rest of the file still counts. */
static void
test_environment_file_errors(void)
{
	struct diag d = {0};
	struct unit_config *c = LOAD_ENV(
		"GOOD=1\n"				/* 1 */
		"this is not an assignment\n"		/* 2 */
		"=novalue-secret\n"			/* 3 */
		"SP ACE=space-secret\n"			/* 4 */
		"1BAD=\"multi\n"			/* 5 */
		"NOTAKEY=line-secret\"\n"		/* 6: inside 1BAD's quotes */
		"export\n"				/* 7 */
		"export NOVALUE\n"			/* 8 */
		"N=nul\0secret\n"			/* 9 */
		"A='x\n"				/* 10 */
		"y'\n"					/* 11 */
		"AFTER=2\n"				/* 12 */
		"SECRET_TOKEN=\"unterminated-secret\n"	/* 13 */
		"MORE=more-secret\n",			/* 14: inside the quote */
		&d);

	CHECK_DIAG(&d, DIAG_ERROR, 2, "expected NAME=VALUE", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 3, "expected NAME=VALUE", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 4, "expected NAME=VALUE", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 5, "expected NAME=VALUE", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 7, "expected NAME=VALUE", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 8, "expected NAME=VALUE", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 9, "a NUL byte in the value of N", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 13, "unterminated quote in the value of SECRET_TOKEN", 1);
	CHECK_INT_EQ(d.errors, 8);
	for (size_t i = 0; i < d.n; i++)
		CHECK_STR_EQ(d.v[i].file, env_path);
	CHECK(!diag_mentions(&d, "secret"));
	if (c != NULL) {
		CHECK_STR_EQ(unitfile_getenv(c, "GOOD", 4), "1");
		CHECK_STR_EQ(unitfile_getenv(c, "A", 1), "x\ny");
		CHECK_STR_EQ(unitfile_getenv(c, "AFTER", 5), "2");
		CHECK(unitfile_getenv(c, "NOTAKEY", 7) == NULL);
		CHECK(unitfile_getenv(c, "N", 1) == NULL);
		CHECK(unitfile_getenv(c, "SECRET_TOKEN", 12) == NULL);
		CHECK(unitfile_getenv(c, "MORE", 4) == NULL);
	}
	unitfile_free(c);
	diag_free(&d);

	/* An unterminated single quote, after a bad name: reported at the
	 * line where the value began, without naming it. */
	c = LOAD_ENV("X=1\n1X='abc-secret\ndef\n", &d);
	CHECK_DIAG(&d, DIAG_ERROR, 2, "expected NAME=VALUE", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 2, "unterminated quote in a value", 1);
	CHECK_INT_EQ(d.errors, 2);
	CHECK(!diag_mentions(&d, "secret"));
	unitfile_free(c);
	diag_free(&d);

	/* A name alone on the last line, with no newline. */
	c = LOAD_ENV("X=1\nLONELY", &d);
	CHECK_DIAG(&d, DIAG_ERROR, 2, "expected NAME=VALUE", 1);
	CHECK_INT_EQ(d.errors, 1);
	unitfile_free(c);
	diag_free(&d);

	/* Empty files and files of comments set nothing. */
	c = LOAD_ENV("", &d);
	CHECK_NO_DIAG(&d);
	if (CHECK(c != NULL))
		CHECK_INT_EQ(c->environment.n, 0);
	unitfile_free(c);
	diag_free(&d);
	c = LOAD_ENV("# only\n;comments\n\n  \n", &d);
	CHECK_NO_DIAG(&d);
	if (CHECK(c != NULL))
		CHECK_INT_EQ(c->environment.n, 0);
	unitfile_free(c);
	diag_free(&d);
}

/* systemd's order: PassEnvironment=, then Environment=, then
 * EnvironmentFile=, each later one winning; UnsetEnvironment= last. */
static void
test_environment_order(void)
{
	struct diag d = {0};
	struct unit_config *c;
	char unit[1024];
	FILE *f = fopen(env_path, "w");

	if (!CHECK(f != NULL))
		return;
	fputs("UT_PF=from-file\nUT_FE=file\n", f);
	CHECK(fclose(f) == 0);
	setenv("UT_PV", "from-superd", 1);
	setenv("UT_PF", "from-superd", 1);
	setenv("UT_PO", "only-superd", 1);
	unsetenv("UT_PNONE");
	snprintf(unit, sizeof(unit),
		 "[Service]\n"
		 "ExecStart=/bin/echo $UT_PV\n"
		 "PassEnvironment=UT_PV UT_PF UT_PO UT_PNONE\n"
		 "Environment=UT_PV=from-unit UT_FE=unit UT_U1=x UT_U2=y UT_DUP=1 UT_DUP=2\n"
		 "EnvironmentFile=%s\n"
		 "UnsetEnvironment=UT_U1 UT_U2=y UT_FE=file UT_DUP=2\n",
		 env_path);
	c = load_text(unit, &d);
	CHECK_NO_DIAG(&d);
	if (CHECK(c != NULL)) {
		CHECK_STR_EQ(unitfile_getenv(c, "UT_PV", 5), "from-unit");
		CHECK_STR_EQ(unitfile_getenv(c, "UT_PF", 5), "from-file");
		CHECK_STR_EQ(unitfile_getenv(c, "UT_PO", 5), "only-superd");
		CHECK(unitfile_getenv(c, "UT_PNONE", 8) == NULL);
		/* The file's value won, and that exact assignment is unset. */
		CHECK(unitfile_getenv(c, "UT_FE", 5) == NULL);
		CHECK(unitfile_getenv(c, "UT_U1", 5) == NULL);
		CHECK(unitfile_getenv(c, "UT_U2", 5) == NULL);
		/* UT_DUP=1 was replaced by UT_DUP=2 before the unset. */
		CHECK(unitfile_getenv(c, "UT_DUP", 6) == NULL);
		CHECK_INT_EQ(c->environment.n, 3);
		if (CHECK_INT_EQ(c->exec_start.n, 1))
			CHECK_ARGV(&c->exec_start.v[0], "/bin/echo", "from-unit");
	}
	unitfile_free(c);
	diag_free(&d);
	unsetenv("UT_PV");
	unsetenv("UT_PF");
	unsetenv("UT_PO");
}

/* Messages about the other environment keys name at most a variable, never
 * a value (SPEC §7). */
static void
test_environment_secret_messages(void)
{
	struct diag d = {0};
	struct unit_config *c = load_text(
		"[Service]\n"					/* 1 */
		"PassEnvironment=ZZ_TOKEN=envsecret5\n"		/* 2 */
		"UnsetEnvironment=1X=topsecret6\n"		/* 3 */
		"UnsetEnvironment=\"API_KEY=unterminated7\n"	/* 4 */
		"RedactEnvironment=R=redactsecret8\n"		/* 5 */
		"Environment=SECRET=a\\xQWz\n"			/* 6 */
		"Environment=2BAD=hunter2\n"			/* 7 */
		"PassEnvironment=bad-name!\n"			/* 8 */
		"ExecStart=/bin/true\n",			/* 9 */
		&d);

	CHECK_DIAG(&d, DIAG_ERROR, 2,
		   "invalid PassEnvironment=ZZ_TOKEN: expected a variable name, not NAME=VALUE", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 3, "invalid UnsetEnvironment=1X: not a valid variable name", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 4, "invalid UnsetEnvironment=: unterminated double quote", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 5, "invalid RedactEnvironment=R: expected a variable name", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 6, "invalid Environment=: invalid backslash escape", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 7, "invalid Environment= assignment", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 8, "invalid PassEnvironment=bad-name!: not a valid variable name", 1);
	CHECK_INT_EQ(d.errors, 7);
	static const char *const secrets[] = {"envsecret5", "topsecret6", "unterminated7",
					      "redactsecret8", "QW", "hunter2"};
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (!CHECK(!diag_mentions(&d, secrets[i])))
			fprintf(stderr, "  (%s printed)\n", secrets[i]);
	unitfile_free(c);
	diag_free(&d);
}

static void
test_dependencies(void)
{
	struct diag d = {0};
	struct unit_config *c = load_text(
		"[Unit]\n"						/* 1 */
		"After=web2 network.target db.service\n"		/* 2 */
		"Requires=web2 sockets.socket\n"			/* 3 */
		"Wants=web.service\n"					/* 4 */
		"Before=bad/name\n"					/* 5 */
		"After=\n"						/* 6 */
		"After=cache\n"						/* 7 */
		"[Service]\n"						/* 8 */
		"ExecStart=/bin/true\n",				/* 9 */
		&d);

	if (CHECK(c != NULL)) {
		if (CHECK_INT_EQ(c->after.n, 1)) { /* reset by the empty After= */
			CHECK_STR_EQ(c->after.v[0].name, "cache.service");
			CHECK_INT_EQ(c->after.v[0].line, 7);
		}
		if (CHECK_INT_EQ(c->requires.n, 1))
			CHECK_STR_EQ(c->requires.v[0].name, "web2.service");
		CHECK_INT_EQ(c->wants.n, 0);  /* itself: dropped */
		CHECK_INT_EQ(c->before.n, 0); /* invalid: dropped */
	}
	CHECK_DIAG(&d, DIAG_NOTICE, 2, "network.target", 1);
	CHECK_DIAG(&d, DIAG_NOTICE, 3, "sockets.socket", 1);
	CHECK_DIAG(&d, DIAG_NOTICE, ANY_LINE, NULL, 2);
	CHECK_DIAG(&d, DIAG_WARNING, 4, "itself", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 5, "bad/name", 1);
	CHECK_INT_EQ(d.errors, 1);
	unitfile_free(c);
	diag_free(&d);

	/* Before the reset, After= kept normalised names in order. */
	c = load_text("[Unit]\nAfter=web2 network.target db.service\n[Service]\nExecStart=/bin/true\n",
		      &d);
	CHECK_INT_EQ(d.errors, 0);
	if (CHECK(c != NULL) && CHECK_INT_EQ(c->after.n, 2)) {
		CHECK_STR_EQ(c->after.v[0].name, "web2.service");
		CHECK_STR_EQ(c->after.v[1].name, "db.service");
	}
	unitfile_free(c);
	diag_free(&d);
}

static void
test_unknown_and_ignored(void)
{
	static const char text[] =
		"[Unit]\n"			     /* 1 */
		"Documentation=man:web(8)\n"	     /* 2 */
		"Documentation=https://example.com\n" /* 3 */
		"Colour=blue\n"			     /* 4 */
		"[Service]\n"			     /* 5 */
		"ExecStart=/bin/true\n"		     /* 6 */
		"ProtectSystem=strict\n"	     /* 7 */
		"ProtectSystem=full\n"		     /* 8 */
		"ProtectHome=yes\n"		     /* 9 */
		"PrivateTmp=yes\n"		     /* 10 */
		"Frobnicate=yes\n"		     /* 11 */
		"ExecStart=\n"			     /* 12 */
		"ExecStart=/bin/true\n"		     /* 13 */
		"[Custom]\n"			     /* 14 */
		"Anything=1\n"			     /* 15 */
		"[Install]\n"			     /* 16 */
		"WantedBy=multi-user.target\n"	     /* 17 */
		"Alias=www.service\n";		     /* 18 */
	struct diag d = {0};
	struct unit_config *c = load_text(text, &d);

	CHECK(c != NULL);
	CHECK_INT_EQ(d.errors, 0);
	CHECK_DIAG(&d, DIAG_WARNING, 2, "Documentation=", 1);
	CHECK_DIAG(&d, DIAG_WARNING, ANY_LINE, "Documentation=", 1);
	CHECK_DIAG(&d, DIAG_WARNING, 7, "ProtectSystem=", 1);
	CHECK_DIAG(&d, DIAG_WARNING, ANY_LINE, "ProtectSystem=", 1);
	CHECK_DIAG(&d, DIAG_WARNING, 9, "ProtectHome=", 1);
	CHECK_DIAG(&d, DIAG_WARNING, 10, "PrivateTmp=", 1);
	CHECK_DIAG(&d, DIAG_WARNING, 4, "unknown key Colour=", 1);
	CHECK_DIAG(&d, DIAG_WARNING, 11, "unknown key Frobnicate=", 1);
	CHECK_DIAG(&d, DIAG_WARNING, 14, "[Custom]", 1);
	CHECK_DIAG(&d, DIAG_WARNING, ANY_LINE, NULL, 7);
	CHECK_DIAG(&d, DIAG_NOTICE, ANY_LINE, NULL, 0);
	for (size_t i = 0; i < d.n; i++)
		CHECK_STR_EQ(d.v[i].file, unit_path);
	unitfile_free(c);
	diag_free(&d);

	/* --strict: unknown keys and sections are errors; ignored systemd
	 * keys stay warnings. */
	d.strict = true;
	c = load_text(text, &d);
	CHECK_DIAG(&d, DIAG_ERROR, 4, "Colour", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 11, "Frobnicate", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 14, "[Custom]", 1);
	CHECK_INT_EQ(d.errors, 3);
	CHECK_DIAG(&d, DIAG_WARNING, ANY_LINE, "Documentation=", 1);
	CHECK_DIAG(&d, DIAG_WARNING, ANY_LINE, "ProtectSystem=", 1);
	unitfile_free(c);
	diag_free(&d);
	d.strict = false;

	/* X- keys and [X-...] sections are extensions: silent, as in
	 * systemd, even under --strict. */
	d.strict = true;
	c = load_text("[Unit]\nX-Owner=ops\n[Service]\nExecStart=/bin/true\nX-Hint=1\n"
		      "[X-Vendor]\nAnything=1\n", &d);
	CHECK_NO_DIAG(&d);
	unitfile_free(c);
	diag_free(&d);
	d.strict = false;
	/* Old systemd output targets: the journal now, with a notice. */
	c = load_text("[Service]\nExecStart=/bin/true\nStandardOutput=syslog\n"
		      "StandardError=kmsg+console\n", &d);
	CHECK_DIAG(&d, DIAG_NOTICE, 3, "taken as StandardOutput=journal", 1);
	CHECK_DIAG(&d, DIAG_NOTICE, 4, "taken as StandardError=journal+console", 1);
	CHECK_INT_EQ(d.errors, 0);
	if (CHECK(c != NULL)) {
		CHECK_STR_EQ(c->standard_output, "journal");
		CHECK_STR_EQ(c->standard_error, "journal+console");
	}
	unitfile_free(c);
	diag_free(&d);

	/* A key in the wrong section is reported, not applied. */
	c = load_text("[Unit]\nExecStart=/bin/false\n[Service]\nExecStart=/bin/true\n"
		      "Description=wrong place\n",
		      &d);
	CHECK_DIAG(&d, DIAG_WARNING, 2, "belongs in [Service]", 1);
	CHECK_DIAG(&d, DIAG_WARNING, 5, "belongs in [Unit]", 1);
	CHECK_INT_EQ(d.errors, 0);
	if (CHECK(c != NULL)) {
		CHECK(c->description == NULL);
		if (CHECK_INT_EQ(c->exec_start.n, 1))
			CHECK_ARGV(&c->exec_start.v[0], "/bin/true");
	}
	unitfile_free(c);
	diag_free(&d);
}

static void
test_invalid_values(void)
{
	struct diag d = {0};
	struct unit_config *c = load_text(
		"[Service]\n"			/* 1 */
		"ExecStart=/bin/true\n"		/* 2 */
		"RestartSec=abc\n"		/* 3 */
		"Restart=sometimes\n"		/* 4 */
		"KillSignal=SIGFOO\n"		/* 5 */
		"KillMode=all\n"		/* 6 */
		"Type=daemon\n"			/* 7 */
		"TimeoutStopSec=-1\n"		/* 8 */
		"AutoStart=maybe\n"		/* 9 */
		"StartLimitBurst=-3\n"		/* 10 */
		"UMask=0999\n"			/* 11 */
		"Nice=20\n"			/* 12 */
		"LimitNOFILE=10:5\n"		/* 13 */
		"WorkingDirectory=relative\n"	/* 14 */
		"KillSignal=SIGSTOP\n"		/* 15 */
		"RestartMaxDelaySec=1000000y\n" /* 16 */
		"ExecStartPre=bin/relative\n"	/* 17 */
		"RestartSec=250ms\n"		/* 18 */
		"KillSignal=RTMIN+9223372036854775807\n" /* 19 */
		"RuntimeDirectory=''\n"		/* 20 */
		"StateDirectory=.\n"		/* 21 */
		"LogsDirectory=a/./b\n",	/* 22 */
		&d);

	if (CHECK(c != NULL)) {
		/* Bad values leave the defaults; later good ones still apply. */
		CHECK_INT_EQ(c->restart, RESTART_ALWAYS);
		CHECK_INT_EQ(c->kill_signal, SIGTERM);
		CHECK_INT_EQ(c->kill_mode, KILL_PROCESS_GROUP);
		CHECK_INT_EQ(c->type, SERVICE_SIMPLE);
		CHECK(c->auto_start);
		CHECK_U64_EQ(c->restart_usec, 250 * MS);
	}
	CHECK_DIAG(&d, DIAG_ERROR, 3, "RestartSec=abc", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 4, "Restart=sometimes", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 5, "KillSignal=SIGFOO", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 6, "KillMode=all", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 7, "Type=daemon", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 8, "TimeoutStopSec=-1", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 9, "AutoStart=maybe", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 10, "StartLimitBurst=-3", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 11, "UMask=0999", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 12, "Nice=20", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 13, "LimitNOFILE=10:5", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 14, "WorkingDirectory=relative", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 15, "SIGSTOP", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 16, "too large", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 17, "ExecStartPre=", 1);
	/* RTMIN+N once overflowed, and an empty directory name was read
	 * before its start (seeds in tests/fuzz/corpus/regress-*); an empty
	 * name or "." would be the base directory itself. */
	CHECK_DIAG(&d, DIAG_ERROR, 19, "KillSignal=RTMIN+9223372036854775807", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 20, "RuntimeDirectory=: expected a relative path", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 21, "StateDirectory=.: expected a relative path", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 22, "LogsDirectory=a/./b: expected a relative path", 1);
	CHECK_INT_EQ(d.errors, 19);
	for (size_t i = 0; i < d.n; i++)
		CHECK_STR_EQ(d.v[i].file, unit_path);
	unitfile_free(c);
	diag_free(&d);
}

static void
test_exec_start_rules(void)
{
	struct diag d = {0};
	struct unit_config *c;

	/* Missing ExecStart=: an error naming the [Service] line. */
	c = load_text("[Unit]\nDescription=x\n[Service]\nRestart=no\n", &d);
	CHECK_DIAG(&d, DIAG_ERROR, 3, "missing ExecStart=", 1);
	CHECK_INT_EQ(d.errors, 1);
	unitfile_free(c);
	diag_free(&d);
	c = load_text("[Unit]\nDescription=x\n", &d);
	CHECK_DIAG(&d, DIAG_ERROR, ANY_LINE, "missing ExecStart=", 1);
	unitfile_free(c);
	diag_free(&d);

	/* Two ExecStart= without Type=oneshot: an error on the second. */
	c = load_text("[Service]\nExecStart=/bin/a\n\nExecStart=/bin/b\n", &d);
	CHECK_DIAG(&d, DIAG_ERROR, 4, "more than one ExecStart=", 1);
	CHECK_INT_EQ(d.errors, 1);
	unitfile_free(c);
	diag_free(&d);

	/* Type=oneshot may list several, in order. */
	c = load_text("[Service]\nExecStart=/bin/a 1\nType=oneshot\nExecStart=/bin/b 2\n", &d);
	CHECK_INT_EQ(d.errors, 0);
	if (CHECK(c != NULL) && CHECK_INT_EQ(c->exec_start.n, 2)) {
		CHECK_ARGV(&c->exec_start.v[0], "/bin/a", "1");
		CHECK_ARGV(&c->exec_start.v[1], "/bin/b", "2");
		CHECK_INT_EQ(c->exec_start.v[1].line, 4);
	}
	unitfile_free(c);
	diag_free(&d);

	/* An empty ExecStart= resets the list. */
	c = load_text("[Service]\nExecStart=/bin/a\nExecStart=\nExecStart=/bin/b\n", &d);
	CHECK_NO_DIAG(&d);
	if (CHECK(c != NULL) && CHECK_INT_EQ(c->exec_start.n, 1))
		CHECK_ARGV(&c->exec_start.v[0], "/bin/b");
	unitfile_free(c);
	diag_free(&d);

	/* Bad command lines: errors on their lines. */
	c = load_text("[Service]\nExecStart=bin/relative\n", &d);
	CHECK_DIAG(&d, DIAG_ERROR, 2, "must be absolute", 1);
	unitfile_free(c);
	diag_free(&d);
	c = load_text("[Service]\nExecStart=/bin/echo 'oops\n", &d);
	CHECK_DIAG(&d, DIAG_ERROR, 2, "unterminated single quote", 1);
	unitfile_free(c);
	diag_free(&d);

	/* Specifiers use the unit name. */
	c = load_text("[Service]\nExecStart=/bin/echo %n %N 50%%\n", &d);
	CHECK_NO_DIAG(&d);
	if (CHECK(c != NULL) && CHECK_INT_EQ(c->exec_start.n, 1))
		CHECK_ARGV(&c->exec_start.v[0], "/bin/echo", "web.service", "web", "50%");
	unitfile_free(c);
	diag_free(&d);

	/* With User=, $HOME, $USER, $LOGNAME and $SHELL are known only when
	 * the command starts: markers now, unless the unit sets them. */
	c = load_text("[Service]\nExecStart=/bin/echo $HOME ${USER}-x $LOGNAME $SHELL\n"
		      "User=nobody\nEnvironment=LOGNAME=me\n", &d);
	CHECK_NO_DIAG(&d);
	if (CHECK(c != NULL) && CHECK_INT_EQ(c->exec_start.n, 1))
		CHECK_ARGV(&c->exec_start.v[0], "/bin/echo", "\x1fHOME\x1f", "\x1fUSER\x1f-x", "me",
			   "\x1fSHELL\x1f");
	unitfile_free(c);
	diag_free(&d);
	c = load_text("[Service]\nExecStart=/bin/echo ${HOME}x $USER\n", &d);
	CHECK_NO_DIAG(&d);
	if (CHECK(c != NULL) && CHECK_INT_EQ(c->exec_start.n, 1))
		CHECK_ARGV(&c->exec_start.v[0], "/bin/echo", "x"); /* no User=: empty */
	unitfile_free(c);
	diag_free(&d);
	/* ... and cannot be the program. */
	c = load_text("[Service]\nUser=nobody\nExecStart=$SHELL -c true\n", &d);
	CHECK_DIAG(&d, DIAG_ERROR, 3, "the program to execute cannot come from", 1);
	unitfile_free(c);
	diag_free(&d);
	c = load_text("[Service]\nExecStart=/bin/true\nExecReload=${MAINPID}/x\n", &d);
	CHECK_DIAG(&d, DIAG_ERROR, 3, "the program to execute cannot come from", 1);
	unitfile_free(c);
	diag_free(&d);
}

static void
test_syntax(void)
{
	struct diag d = {0};
	struct unit_config *c;

	/* A line without '=': an error with its line number; parsing goes on. */
	c = load_text("[Service]\n"
		      "ExecStart=/bin/true\n"
		      "\n"
		      "this line has no equals sign\n"
		      "Restart=no\n"
		      "=novalue\n"
		      "Exec Start=/bin/x\n",
		      &d);
	CHECK_DIAG(&d, DIAG_ERROR, 4, "no '='", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 6, "missing key name", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 7, "invalid key name", 1);
	CHECK_INT_EQ(d.errors, 3);
	if (CHECK(c != NULL))
		CHECK_INT_EQ(c->restart, RESTART_NO);
	unitfile_free(c);
	diag_free(&d);

	/* Assignments before any section; broken section headers. */
	c = load_text("Description=early\n"
		      "[Service\n"
		      "[Service] trailing\n"
		      "[]\n"
		      "[Service]\n"
		      "ExecStart=/bin/true\n",
		      &d);
	CHECK_DIAG(&d, DIAG_ERROR, 1, "outside of any section", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 2, "without ']'", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 3, "text after section header", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 4, "invalid section name", 1);
	CHECK_INT_EQ(d.errors, 4);
	if (CHECK(c != NULL))
		CHECK_INT_EQ(c->exec_start.n, 1);
	unitfile_free(c);
	diag_free(&d);

	/* The keys under an invalid section header belong to no section: one
	 * error for the header, and they are neither applied to nor reported
	 * against the section before it, up to the next valid header. */
	{
		char text[1024], name[251];
		memset(name, 'S', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		snprintf(text, sizeof(text),
			 "[Service]\n"
			 "ExecStart=/bin/true\n"
			 "[Unit]\n"
			 "Description=before\n"
			 "[%s]\n"
			 "Foo=1\n"
			 "Description=after\n"
			 "[Service]\n"
			 "[Service\n"
			 "Restart=no\n"
			 "[Service]\n"
			 "[Service] trailing\n"
			 "KillSignal=SIGKILL\n"
			 "[Service]\n"
			 "TimeoutStopSec=3s\n",
			 name);
		c = load_text(text, &d);
	}
	CHECK_DIAG(&d, DIAG_ERROR, 5, "invalid section name", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 9, "without ']'", 1);
	CHECK_DIAG(&d, DIAG_ERROR, 12, "text after section header", 1);
	CHECK_INT_EQ(d.errors, 3);
	CHECK_INT_EQ(d.n, 3); /* no "unknown key Foo= in [Unit]" */
	if (CHECK(c != NULL)) {
		CHECK_STR_EQ(c->description, "before");
		CHECK_INT_EQ(c->restart, RESTART_ALWAYS);
		CHECK_INT_EQ(c->kill_signal, SIGTERM);
		CHECK_U64_EQ(c->timeout_stop_usec, 3 * SEC); /* a good header again */
	}
	unitfile_free(c);
	diag_free(&d);

	/* The keys of an unknown section are ignored, whatever its name holds
	 * (inih alone would take " ;" in a header for an inline comment). */
	c = load_text("[Service]\n"
		      "ExecStart=/bin/true\n"
		      "[Foo ;bar]\n"
		      "Restart=no\n"
		      "KillSignal=SIGKILL\n"
		      "[Baz#qux]\n"
		      "Restart=on-failure\n",
		      &d);
	CHECK_DIAG(&d, DIAG_WARNING, 3, "Foo ;bar", 1);
	CHECK_DIAG(&d, DIAG_WARNING, 6, "Baz#qux", 1);
	CHECK_INT_EQ(d.errors, 0);
	if (CHECK(c != NULL)) {
		CHECK_INT_EQ(c->restart, RESTART_ALWAYS);
		CHECK_INT_EQ(c->kill_signal, SIGTERM);
	}
	unitfile_free(c);
	diag_free(&d);

	/* CRLF line ends, a byte order mark, spaces around '=' and values. */
	c = load_text("\xef\xbb\xbf[Unit]\r\n"
		      "Description =  spaced out  \r\n"
		      "[Service]\r\n"
		      "ExecStart = /bin/echo  a\r\n",
		      &d);
	CHECK_NO_DIAG(&d);
	if (CHECK(c != NULL)) {
		CHECK_STR_EQ(c->description, "spaced out");
		if (CHECK_INT_EQ(c->exec_start.n, 1))
			CHECK_ARGV(&c->exec_start.v[0], "/bin/echo", "a");
	}
	unitfile_free(c);
	diag_free(&d);

	/* An empty Description= clears it. */
	c = load_text("[Unit]\nDescription=x\nDescription=\n[Service]\nExecStart=/bin/true\n", &d);
	CHECK_NO_DIAG(&d);
	if (CHECK(c != NULL))
		CHECK(c->description == NULL);
	unitfile_free(c);
	diag_free(&d);

	/* An unreadable file: NULL and an error for the whole file. */
	char missing[sizeof(tmpdir) + 32];
	snprintf(missing, sizeof(missing), "%s/missing.service", tmpdir);
	c = unitfile_load(missing, "missing.service", &d);
	CHECK(c == NULL);
	CHECK_DIAG(&d, DIAG_ERROR, 0, "cannot read", 1);
	if (d.n > 0)
		CHECK_STR_EQ(d.v[0].file, missing);
	unitfile_free(c);
	diag_free(&d);
	c = unitfile_load(tmpdir, "dir.service", &d);
	CHECK(c == NULL);
	CHECK_DIAG(&d, DIAG_ERROR, 0, "cannot read", 1);
	diag_free(&d);
}

static void
test_names(void)
{
	static const struct {
		const char *in, *out;
		int err;
	} cases[] = {
		{"web", "web.service", 0},
		{"web.service", "web.service", 0},
		{"my-app_2.v1", "my-app_2.v1.service", 0},
		{"getty@tty1", "getty@tty1.service", 0},
		{"getty@.service", "getty@.service", 0},
		{"network.target", NULL, EPROTONOSUPPORT},
		{"dbus.socket", NULL, EPROTONOSUPPORT},
		{"home.mount", NULL, EPROTONOSUPPORT},
		{"system.slice", NULL, EPROTONOSUPPORT},
		{"daily.timer", NULL, EPROTONOSUPPORT},
		{"", NULL, EINVAL},
		{".service", NULL, EINVAL},
		{"a/b", NULL, EINVAL},
		{"a b", NULL, EINVAL},
		{"../etc/passwd", NULL, EINVAL},
		{"web\n", NULL, EINVAL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		errno = 0;
		char *got = unitfile_normalize_name(cases[i].in);
		CHECK_STR_EQ(got, cases[i].out);
		if (cases[i].out == NULL)
			CHECK_INT_EQ(errno, cases[i].err);
		free(got);
	}
	char longname[300];
	memset(longname, 'a', sizeof(longname));
	longname[299] = '\0';
	errno = 0;
	CHECK(unitfile_normalize_name(longname) == NULL);
	CHECK_INT_EQ(errno, EINVAL);

	CHECK(unitfile_valid_name("web.service"));
	CHECK(unitfile_valid_name("a.service"));
	CHECK(unitfile_valid_name("foo@bar.service"));
	CHECK(unitfile_valid_name("x-y_z.1:2\\x2d.service"));
	CHECK(!unitfile_valid_name("web"));
	CHECK(!unitfile_valid_name(".service"));
	CHECK(!unitfile_valid_name("web.target"));
	CHECK(!unitfile_valid_name("web.service.bak"));
	CHECK(!unitfile_valid_name("web.servic"));
	CHECK(!unitfile_valid_name("a/b.service"));
	CHECK(!unitfile_valid_name("a b.service"));
	CHECK(!unitfile_valid_name(""));
	/* 255 characters at most. */
	char name[300];
	memset(name, 'a', sizeof(name));
	strcpy(name + 247, ".service");
	CHECK_INT_EQ(strlen(name), 255);
	CHECK(unitfile_valid_name(name));
	memset(name, 'a', sizeof(name));
	strcpy(name + 248, ".service");
	CHECK(!unitfile_valid_name(name));

	CHECK(unitfile_forwardable(SIGHUP) && unitfile_forwardable(SIGTERM) &&
	      unitfile_forwardable(SIGWINCH));
	CHECK(!unitfile_forwardable(SIGKILL) && !unitfile_forwardable(SIGCHLD));
}

/* unitfile_same_process(), which a reload uses to choose between a restart
 * and an update in place (SPEC §5.1): one key added to a base unit, or one
 * value changed, and the answer for each. */
static void
test_same_process(void)
{
	static const char base[] = "[Service]\nExecStart=/bin/sleep 1\n";
	static const struct {
		const char *extra; /* appended to base for the second unit */
		bool same;
	} cases[] = {
		/* What the process is made of: a restart. */
		{"Type=exec\n", false},
		{"ExecStartPre=/bin/true\n", false},
		{"ExecStartPost=/bin/true\n", false},
		{"ExecReload=/bin/true\n", false},
		{"ExecStop=/bin/true\n", false},
		{"Environment=A=1\n", false},
		{"EnvironmentFile=-/nonexistent/web.env\n", false},
		{"PassEnvironment=HOME\n", false},
		{"UnsetEnvironment=HOME\n", false},
		{"User=nobody\n", false},
		{"Group=nogroup\n", false},
		{"SupplementaryGroups=nogroup\n", false},
		{"WorkingDirectory=/tmp\n", false},
		{"WorkingDirectory=-/tmp\n", false},
		{"UMask=0077\n", false},
		{"LimitNOFILE=512\n", false},
		{"LimitCORE=0\n", false},
		{"LimitNPROC=100\n", false},
		{"Nice=5\n", false},
		{"NoNewPrivileges=yes\n", false},
		{"StandardOutput=null\n", false},
		{"StandardError=null\n", false},
		{"RuntimeDirectory=web\n", false},
		{"StateDirectory=web\n", false},
		{"LogsDirectory=web\n", false},
		/* Policy only: an update in place. */
		{"Restart=always\n", true},
		{"RestartSec=5s\n", true},
		{"RestartMaxDelaySec=1min\n", true},
		{"RestartResetSec=1min\n", true},
		{"TimeoutStartSec=5s\n", true},
		{"TimeoutStopSec=5s\n", true},
		{"TimeoutSec=5s\n", true},
		{"ForwardSignals=USR2\n", true},
		{"KillSignal=SIGINT\n", true},
		{"KillMode=process\n", true},
		{"ReloadSignal=SIGUSR1\n", true},
		{"WatchdogSec=10s\n", true},
		{"NotifyAccess=all\n", true},
		{"RedactEnvironment=A\n", true},
		{"WritePIDFile=/run/web.pid\n", true},
		{"AutoStart=no\n", true},
		{"StartLimitBurst=3\n", true},
		{"FailureAction=exit\n", true},
		{"[Unit]\nDescription=The web server\n", true},
		{"[Unit]\nAfter=db.service\n", true},
	};
	struct diag d = {0};
	struct unit_config *a = load_text(base, &d);

	CHECK(a != NULL);
	CHECK_INT_EQ(d.errors, 0);
	diag_free(&d);
	if (a == NULL)
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512];
		snprintf(text, sizeof(text), "%s%s", base, cases[i].extra);
		struct unit_config *b = load_text(text, &d);
		if (!CHECK(b != NULL && d.errors == 0)) {
			fprintf(stderr, "    with %s", cases[i].extra);
			diag_dump(&d);
		} else if (!CHECK(unitfile_same_process(a, b) == cases[i].same) ||
			   !CHECK(unitfile_same_process(b, a) == cases[i].same)) {
			fprintf(stderr, "    with %s", cases[i].extra);
		}
		unitfile_free(b);
		diag_free(&d);
	}
	/* A changed value, not only a new key. */
	static const char *const pairs[][2] = {
		{"ExecStart=/bin/sleep 2\n", "ExecStart=/bin/sleep 3\n"},
		{"Environment=A=1\n", "Environment=A=2\n"},
		{"User=nobody\n", "User=root\n"},
		{"WorkingDirectory=/tmp\n", "WorkingDirectory=/\n"},
		{"Type=exec\n", "Type=notify\n"},
		{"UMask=0077\n", "UMask=0027\n"},
		{"LimitNOFILE=512\n", "LimitNOFILE=1024\n"},
		{"RuntimeDirectory=web\nRuntimeDirectoryMode=0700\n",
		 "RuntimeDirectory=web\nRuntimeDirectoryMode=0750\n"},
		{"StateDirectory=web\nStateDirectoryMode=0700\n",
		 "StateDirectory=web\nStateDirectoryMode=0750\n"},
		{"LogsDirectory=web\nLogsDirectoryMode=0700\n",
		 "LogsDirectory=web\nLogsDirectoryMode=0750\n"},
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		char text[512];
		struct unit_config *x, *y;
		snprintf(text, sizeof(text), "[Service]\nExecStart=/bin/sleep 1\n%s", pairs[i][0]);
		if (strncmp(pairs[i][0], "ExecStart=", 10) == 0)
			snprintf(text, sizeof(text), "[Service]\n%s", pairs[i][0]);
		x = load_text(text, &d);
		CHECK_INT_EQ(d.errors, 0);
		diag_free(&d);
		snprintf(text, sizeof(text), "[Service]\nExecStart=/bin/sleep 1\n%s", pairs[i][1]);
		if (strncmp(pairs[i][1], "ExecStart=", 10) == 0)
			snprintf(text, sizeof(text), "[Service]\n%s", pairs[i][1]);
		y = load_text(text, &d);
		CHECK_INT_EQ(d.errors, 0);
		diag_free(&d);
		if (CHECK(x != NULL && y != NULL) && !CHECK(!unitfile_same_process(x, y)))
			fprintf(stderr, "    %s vs %s", pairs[i][0], pairs[i][1]);
		/* And a unit is the same process as itself. */
		if (x != NULL)
			CHECK(unitfile_same_process(x, x));
		unitfile_free(x);
		unitfile_free(y);
	}
	unitfile_free(a);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(unit_path, sizeof(unit_path), "%s/web.service", tmpdir);
	snprintf(env_path, sizeof(env_path), "%s/web.env", tmpdir);

	test_defaults();
	test_foreign_types();
	test_all_keys();
	test_not_yet_keys();
	test_timeouts();
	test_long_lines();
	test_continuation();
	test_semicolons_and_comments();
	test_environment();
	test_environment_file();
	test_environment_file_errors();
	test_environment_order();
	test_environment_secret_messages();
	test_dependencies();
	test_unknown_and_ignored();
	test_invalid_values();
	test_exec_start_rules();
	test_syntax();
	test_names();
	test_same_process();

	unlink(unit_path);
	unlink(env_path);
	rmdir(tmpdir);
	return TEST_DONE();
}
