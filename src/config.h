/* config: one whole configuration, superd.conf plus every unit file, loaded
 * and validated as a unit of its own. superd only ever runs on a config
 * that loaded without errors; a reload (later) builds a new one beside the
 * old and swaps only if it is valid. */
#ifndef SUPERD_CONFIG_H
#define SUPERD_CONFIG_H

#include "diag.h"
#include "hashmap.h"
#include "unitfile.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum log_target {
	LOG_TARGET_AUTO,
	LOG_TARGET_STDERR,
	LOG_TARGET_JOURNAL,
};

struct superd_conf {
	char *unit_dir;
	char *control_socket;
	mode_t socket_mode;
	bool socket_mode_set;
	char *socket_group;
	char *pid_file;
	uint64_t shutdown_timeout_usec;
	uint64_t shutdown_delay_usec;
	int log_level; /* -1: not set */
	enum log_target log_target;
	unsigned forward_signals; /* default for units without ForwardSignals= */
};

struct config {
	struct superd_conf conf;
	struct unit_config **units; /* sorted by name */
	size_t nunits;
	struct hashmap by_name; /* name -> struct unit_config * */
};

/* What the command line says; NULL fields: take superd.conf's or defaults. */
struct config_paths {
	const char *conf_file;	/* NULL: the default path, which may be absent */
	const char *unit_dir;	/* -u */
	const char *pid_file;	/* -p */
	const char *control_socket; /* -s */
};

/* Load and validate everything. Every problem goes into d. Returns the
 * config (check d->errors before using it), or NULL when nothing could be
 * built (out of memory). */
struct config *config_load(const struct config_paths *paths, struct diag *d);
void config_free(struct config *c);

struct unit_config *config_find(const struct config *c, const char *name);

#endif
