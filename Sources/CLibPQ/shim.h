#ifndef AUTHX_CLIBPQ_SHIM_H
#define AUTHX_CLIBPQ_SHIM_H
#include <libpq-fe.h>

/* libpq's diagnostic field codes are character-literal macros that Swift cannot import. */
static inline int clibpq_diag_severity(void) { return PG_DIAG_SEVERITY_NONLOCALIZED; }
static inline int clibpq_diag_sqlstate(void) { return PG_DIAG_SQLSTATE; }
static inline int clibpq_diag_message_primary(void) { return PG_DIAG_MESSAGE_PRIMARY; }
static inline int clibpq_diag_message_detail(void) { return PG_DIAG_MESSAGE_DETAIL; }
static inline int clibpq_diag_message_hint(void) { return PG_DIAG_MESSAGE_HINT; }
static inline int clibpq_diag_statement_position(void) { return PG_DIAG_STATEMENT_POSITION; }
static inline int clibpq_diag_context(void) { return PG_DIAG_CONTEXT; }
static inline int clibpq_diag_schema_name(void) { return PG_DIAG_SCHEMA_NAME; }
static inline int clibpq_diag_table_name(void) { return PG_DIAG_TABLE_NAME; }
static inline int clibpq_diag_column_name(void) { return PG_DIAG_COLUMN_NAME; }
static inline int clibpq_diag_datatype_name(void) { return PG_DIAG_DATATYPE_NAME; }
static inline int clibpq_diag_constraint_name(void) { return PG_DIAG_CONSTRAINT_NAME; }

/* Notices (NOTICE, WARNING) would otherwise be printed to stderr by libpq's default processor. */
static void clibpq_discard_notice(void *arg, const char *message) { (void)arg; (void)message; }
static inline void clibpq_silence_notices(PGconn *conn) { PQsetNoticeProcessor(conn, clibpq_discard_notice, 0); }
#endif
