import Testing
@testable import AugurActivations
