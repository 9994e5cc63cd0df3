import AugurActivations
import AugurInterp
import Foundation
import TOMLKit

/// A configuration file that cannot be used; every case names the file, the key (`table.key`)
/// and the line when the key is in the file.
public enum RunConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not valid TOML.
    case syntax(file: String, line: Int, column: Int, message: String)
    /// A key or table the configuration does not have.
    case unknownKey(file: String, key: String, line: Int?, known: [String])
    /// A key whose value has the wrong type.
    case wrongType(file: String, key: String, line: Int?, expected: String, found: String)
    /// A key whose value has the right type but cannot be used.
    case invalid(file: String, key: String, line: Int?, reason: String)
    /// The file cannot be read.
    case unreadable(file: String, reason: String)

    public var description: String {
        func at(_ file: String, _ line: Int?) -> String { line.map { "\(file):\($0)" } ?? file }
        switch self {
        case .syntax(let f, let l, let c, let m): return "\(f):\(l):\(c): not valid TOML: \(m)"
        case .unknownKey(let f, let k, let l, let known):
            return "\(at(f, l)): unknown key '\(k)'; known here: \(known.joined(separator: ", "))"
        case .wrongType(let f, let k, let l, let e, let found):
            return "\(at(f, l)): '\(k)' must be a \(e), not a \(found)"
        case .invalid(let f, let k, let l, let r): return "\(at(f, l)): '\(k)': \(r)"
        case .unreadable(let f, let r): return "cannot read \(f): \(r)"
        }
    }

    /// The line the error points at, when known.
    public var line: Int? {
        switch self {
        case .syntax(_, let l, _, _): l
        case .unknownKey(_, _, let l, _), .wrongType(_, _, let l, _, _), .invalid(_, _, let l, _): l
        case .unreadable: nil
        }
    }
}

extension RunConfig {
    /// Reads a configuration file.
    public static func load(_ path: String) throws(RunConfigError) -> RunConfig {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw .unreadable(file: path, reason: error.localizedDescription)
        }
        return try parse(text, file: path)
    }

    /// Parses TOML text: keys not given keep their defaults; an unknown key or table, a value of
    /// the wrong type or an unusable value is refused, naming the key and its line.
    public static func parse(_ text: String, file: String = "config.toml") throws(RunConfigError) -> RunConfig {
        let root: TOMLTable
        do { root = try TOMLTable(string: text) } catch let e as TOMLParseError {
            throw .syntax(file: file, line: e.source.begin.line, column: e.source.begin.column, message: e.description)
        } catch {
            throw .syntax(file: file, line: 0, column: 0, message: "\(error)")
        }
        let lines = KeyLines(text)
        let fields = RunConfigField.all
        var config = RunConfig()
        let tableNames = RunConfigField.tables.map(\.name)
        for name in root.keys.sorted() {
            guard let table = root[name]?.table, tableNames.contains(name) else {
                let isTable = root[name]?.table != nil
                throw .unknownKey(file: file, key: name, line: isTable ? lines.table(name) : lines.key(name, in: ""),
                                  known: tableNames.map { "[\($0)]" })
            }
            let inTable = fields.filter { $0.table == name }
            for key in table.keys.sorted() {
                guard let field = inTable.first(where: { $0.key == key }) else {
                    throw .unknownKey(file: file, key: "\(name).\(key)", line: lines.key(key, in: name), known: inTable.map(\.key))
                }
                guard let raw = table[key] else { continue }
                let expected = field.get(config)
                guard let value = convert(raw, like: expected) else {
                    throw .wrongType(file: file, key: field.path, line: lines.key(key, in: name), expected: expected.typeName,
                                     found: describe(raw))
                }
                field.set(&config, value)
            }
        }
        try config.validate(line: { key in
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            return parts.count == 2 ? lines.key(parts[1], in: parts[0]) : nil
        }, file: file)
        return config
    }

    static func convert(_ raw: TOMLValueConvertible, like expected: RunConfigValue) -> RunConfigValue? {
        switch expected {
        case .string: return raw.type == .string ? raw.string.map { .string($0) } : nil
        case .int: return raw.type == .int ? raw.int.map { .int($0) } : nil
        case .double:
            if raw.type == .double { return raw.double.map { .double($0) } }
            return raw.type == .int ? raw.int.map { .double(Double($0)) } : nil
        case .bool: return raw.type == .bool ? raw.bool.map { .bool($0) } : nil
        case .strings:
            guard raw.type == .array, let a = raw.array else { return nil }
            var out: [String] = []
            for v in a {
                guard v.type == .string, let s = v.string else { return nil }
                out.append(s)
            }
            return .strings(out)
        }
    }

    static func describe(_ raw: TOMLValueConvertible) -> String {
        if raw.type == .array, let a = raw.array, let bad = a.first(where: { $0.type != .string }) {
            return "array holding a \(bad.type)"
        }
        return raw.type.description
    }

    /// Checks values that parse but cannot be used; `line` finds a key's line.
    func validate(line: (String) -> Int?, file: String) throws(RunConfigError) {
        func bad(_ key: String, _ reason: String) -> RunConfigError { .invalid(file: file, key: key, line: line(key), reason: reason) }
        func positive(_ key: String, _ v: Int) throws(RunConfigError) { if v <= 0 { throw bad(key, "must be positive, got \(v)") } }
        if model.name.isEmpty { throw bad("model.name", "must name a model") }
        if RunConfig.hookLayer(model.hook) == nil {
            throw bad("model.hook", "'\(model.hook)' is not a hook point like blocks.15.hook_resid_post")
        }
        try positive("corpus.context_length", corpus.contextLength)
        if corpus.contextLength < 2 { throw bad("corpus.context_length", "must be at least 2") }
        if corpus.seed < 0 { throw bad("corpus.seed", "must not be negative") }
        for (k, v) in [("sae.train_tokens", sae.trainTokens), ("sae.expansion", sae.expansion), ("sae.k", sae.k),
                       ("sae.batch_rows", sae.batchRows), ("sae.checkpoint_every", sae.checkpointEvery),
                       ("sae.eval_tokens", sae.evalTokens), ("cache.tokens", cache.tokens), ("cache.batch", cache.batch),
                       ("examples.window_length", examples.windowLength), ("examples.train_count", examples.trainCount),
                       ("examples.test_count", examples.testCount), ("examples.quantiles", examples.quantiles),
                       ("examples.min_examples", examples.minExamples),
                       ("explain.concurrency", explain.backend.concurrency), ("score.concurrency", score.backend.concurrency)] {
            try positive(k, v)
        }
        if sae.learningRate < 0 { throw bad("sae.learning_rate", "must not be negative") }
        if sae.skipPositions < 0 || sae.skipPositions >= corpus.contextLength {
            throw bad("sae.skip_positions", "must be in 0..<\(corpus.contextLength) (corpus.context_length), got \(sae.skipPositions)")
        }
        if !(sae.heldOut > 0 && sae.heldOut < 1) { throw bad("sae.held_out", "must be in (0, 1), got \(sae.heldOut)") }
        if examples.nonActivatingCount < 0 { throw bad("examples.non_activating_count", "must not be negative") }
        if neurons.topk < 0 { throw bad("neurons.topk", "must not be negative (0: all neurons)") }
        for (k, s) in [("latents.select", latents.select), ("neurons.select", neurons.select)] {
            do { _ = try LatentSelection.parse(s) } catch { throw bad(k, "\(error)") }
        }
        if explain.methods.isEmpty { throw bad("explain.methods", "name at least one method") }
        do { _ = try ExplanationMethod.parseList(explain.methods.joined(separator: ",")) } catch {
            throw bad("explain.methods", "\(error)")
        }
        let scorable: Set<String> = ["detection", "fuzzing", "intruder", "simulation", "embedding"]
        if let s = score.scorers.first(where: { !scorable.contains($0) }) {
            throw bad("score.scorers", "'\(s)' is not one of \(scorable.sorted().joined(separator: ", "))")
        }
        for (t, b) in [("explain", explain.backend), ("score", score.backend)] where !b.url.isEmpty {
            guard URL(string: b.url)?.scheme?.hasPrefix("http") == true else { throw bad("\(t).url", "'\(b.url)' is not an http(s) URL") }
            if b.remoteModel.isEmpty { throw bad("\(t).remote_model", "needed with \(t).url (the model name the server expects)") }
        }
    }

    /// The default configuration as a commented TOML file: every key with a one-line comment.
    /// It parses back to ``RunConfig/init()``.
    public static func defaultTOML(header: [String] = []) -> String {
        RunConfig().toml(header: header)
    }

    /// This configuration as a commented TOML file (parses back to the same value).
    public func toml(header: [String] = []) -> String {
        var out = header.map { "# " + $0 }.joined(separator: "\n")
        if !out.isEmpty { out += "\n" }
        let fields = RunConfigField.all
        for (name, comment) in RunConfigField.tables {
            out += "\n# \(comment)\n[\(name)]\n"
            for f in fields where f.table == name {
                out += "# \(f.comment)\n\(f.key) = \(f.get(self).toml)\n"
            }
        }
        return out
    }
}

extension RunConfig {
    /// The layer of a `blocks.L.…` hook name, or nil when it is not one.
    public static func hookLayer(_ name: String) -> Int? {
        let parts = name.split(separator: ".")
        guard parts.count >= 3, parts[0] == "blocks", let l = Int(parts[1]), l >= 0 else { return nil }
        return l
    }
}

/// Finds the line of a key in TOML text by scanning it (TOMLKit does not report key positions):
/// tracks `[table]` headers and matches `key =` (bare or quoted) and dotted `table.key =` at the top.
struct KeyLines {
    private var tableLines: [String: Int] = [:]
    private var keyLines: [String: Int] = [:]

    init(_ text: String) {
        var table = ""
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                let name = line.drop { $0 == "[" }.prefix { $0 != "]" }.trimmingCharacters(in: .whitespaces)
                table = Self.unquote(name)
                if tableLines[table] == nil { tableLines[table] = i + 1 }
                continue
            }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = Self.unquote(line[..<eq].trimmingCharacters(in: .whitespaces))
            let full = table.isEmpty ? key : table + "." + key
            if keyLines[full] == nil { keyLines[full] = i + 1 }
        }
    }

    static func unquote(_ s: String) -> String {
        s.split(separator: ".").map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'")) }
            .joined(separator: ".")
    }

    /// The line of `[name]`.
    func table(_ name: String) -> Int? { tableLines[name] ?? keyLines.first { $0.key.hasPrefix(name + ".") }.map(\.value) }

    /// The line of `key` in `table` ("" for the top level).
    func key(_ key: String, in table: String) -> Int? {
        keyLines[table.isEmpty ? key : table + "." + key] ?? (table.isEmpty ? nil : self.table(table))
    }
}
