// Placeholder: the AuthExportSQLite backend is built in its own issue.
public import AuthExport
