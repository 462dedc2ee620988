import Testing

@Suite struct PlaceholderTests_CLITests { @Test func builds() { #expect(1 + 1 == 2) } }
