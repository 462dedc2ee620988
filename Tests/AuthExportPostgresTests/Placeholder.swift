import Testing

@Suite struct PlaceholderTests_AuthExportPostgresTests { @Test func builds() { #expect(1 + 1 == 2) } }
