import Testing
@testable import AugurSAE
