// An empty read, run for the bookmark the server returns with it (Database.version: the
// last committed transaction). Parameters: none. Columns: one (always 1).
RETURN 1 AS one
