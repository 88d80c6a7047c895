// libpq, PostgreSQL's own client library (Debian's libpq-dev; headers in /usr/include/postgresql,
// found through `pkg-config libpq`).
#include <libpq-fe.h>

// PG_DIAG_SQLSTATE is a character-literal macro, which Swift does not import.
static inline int cpostgres_diag_sqlstate(void) { return PG_DIAG_SQLSTATE; }
