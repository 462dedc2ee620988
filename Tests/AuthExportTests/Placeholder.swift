import Testing

@Suite struct PlaceholderTests_AuthExportTests { @Test func builds() { #expect(1 + 1 == 2) } }
