import Testing
@testable import AugurFormats
