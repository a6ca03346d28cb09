#ifndef ZSZ_ORG_CLI_H
#define ZSZ_ORG_CLI_H
/* The operator's organisation commands: `zsz-api org add --code C --name N --scheme
 * krakow|lublin|FILE` and `zsz-api org list`, against ZSZ_DATABASE_URL as the schema owner
 * (migrations are applied first). argv[0] is "org". Exit codes: 0 done, 1 the database
 * refused or failed (message on stderr), 2 bad usage or configuration. */

int org_command(int argc, char **argv);

#endif
