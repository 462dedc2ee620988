/// Where an exporter writes the records of an archive: a header (given when the sink is made), each table's record,
/// rows and end, schema objects, then the end. `ArchiveWriter` writes them to a file; a comparison takes them as
/// they come (`RecordComparator`'s feed, for `verify --against`): the database's rows then reach the comparison
/// without being compressed, written, read back and checksummed.
///
/// The calls come in the order ``ArchiveWriter`` requires, from one thread.
package protocol ArchiveRecordSink: AnyObject {
    /// Starts a table: its rows follow, then ``endTable()``.
    func beginTable(_ schema: TableSchema) throws
    /// Appends a row of the current table through a ``RowEncoder``, which checks each cell against its column.
    func appendRow(_ encode: (inout RowEncoder) throws -> Void) throws
    /// Ends the current table.
    func endTable() throws
    /// Appends a view, trigger or other schema object (after the tables).
    func append(_ object: SchemaObject) throws
    /// Ends the records: what was written (a sink that writes no file reports 0 bytes and no checksum).
    @discardableResult func finish() throws -> ArchiveWriter.Summary
    /// Gives up: nothing is published.
    func abort()
}

extension ArchiveWriter: ArchiveRecordSink {}
