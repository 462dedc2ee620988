// Placeholder: the AuthExportPostgres backend is built in its own issue.
public import AuthExport
