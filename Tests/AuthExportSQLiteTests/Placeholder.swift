import Testing

@Suite struct PlaceholderTests_AuthExportSQLiteTests { @Test func builds() { #expect(1 + 1 == 2) } }
