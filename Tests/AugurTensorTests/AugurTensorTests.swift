import Testing
@testable import AugurTensor
