import Testing
@testable import AugurTokenizers
