import Testing
@testable import AugurModels
