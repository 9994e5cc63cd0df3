import AugurFormats
import Foundation
import Testing
@testable import AugurModels

/// Models shared by the tests (loaded once; pulled by scripts/test.sh beforehand).
enum TestModels {
    static let smollm: Result<any LanguageModel, Error> = Result {
        try ModelLoader.load("smollm2-135m-instruct", options: LoadOptions(pullIfMissing: false))
    }
    static let qwen: Result<any LanguageModel, Error> = Result {
        try ModelLoader.load("qwen2.5-coder-0.5b-instruct", options: LoadOptions(pullIfMissing: false))
    }

    static let gemma: Result<any LanguageModel, Error> = Result {
        try ModelLoader.load("gemma-3-270m", options: LoadOptions(pullIfMissing: false))
    }

    static func named(_ name: String) throws -> any LanguageModel {
        switch name {
        case "gemma-3-270m": try gemma.get()
        case "smollm2-135m-instruct": try smollm.get()
        case "qwen2.5-coder-0.5b-instruct": try qwen.get()
        default: throw ModelError.unknownModel(name: name, catalog: ModelCatalog.names)
        }
    }
}

/// `../shared/reference` (or `$AUGUR_REFERENCE`): outputs of an independent implementation.
enum Reference {
    static var root: URL {
        if let env = ProcessInfo.processInfo.environment["AUGUR_REFERENCE"] { return URL(fileURLWithPath: env) }
        // Tests/AugurModelsTests/Support.swift → repository → ../shared/reference
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/reference")
    }

    static func json(_ model: String, _ file: String) throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent("\(model)/\(file)"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    static func tensors(_ model: String, _ prompt: String) throws -> SafetensorsFile {
        try SafetensorsFile(path: root.appendingPathComponent("\(model)/forward-\(prompt).safetensors").path)
    }
}

/// ‖a − b‖ / ‖b‖.
func relativeError(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count)
    var num = 0.0, den = 0.0
    for i in a.indices {
        num += Double(a[i] - b[i]) * Double(a[i] - b[i])
        den += Double(b[i]) * Double(b[i])
    }
    return (num / max(den, 1e-30)).squareRoot()
}

/// KL(softmax(p) ‖ softmax(q)) in nats.
func klDivergence(_ p: [Float], _ q: [Float]) -> Double {
    func logSoftmax(_ x: [Float]) -> [Double] {
        let m = Double(x.max() ?? 0)
        let lse = m + log(x.reduce(0.0) { $0 + exp(Double($1) - m) })
        return x.map { Double($0) - lse }
    }
    let lp = logSoftmax(p), lq = logSoftmax(q)
    var kl = 0.0
    for i in lp.indices { kl += exp(lp[i]) * (lp[i] - lq[i]) }
    return kl
}
