import Foundation
import Testing
@testable import AugurPipeline

@Suite struct RunConfigTests {
    @Test func defaultFileParsesBackToTheDefaults() throws {
        let text = RunConfig.defaultTOML(header: ["a header line"])
        #expect(try RunConfig.parse(text) == RunConfig())
        #expect(text.hasPrefix("# a header line\n"))
    }

    @Test func everyKeyHasAOneLineCommentAbove() {
        let lines = RunConfig.defaultTOML().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var keys = 0
        for (i, line) in lines.enumerated() where line.contains(" = ") && !line.hasPrefix("#") {
            keys += 1
            #expect(i > 0 && lines[i - 1].hasPrefix("# ") && lines[i - 1].count > 4, "no comment above '\(line)'")
        }
        #expect(keys == RunConfigField.all.count)
    }

    @Test func aChangedConfigurationRoundTripsThroughItsText() throws {
        var c = RunConfig()
        c.model.hook = "blocks.3.hook_resid_post"
        c.sae.k = 16
        c.sae.learningRate = 3.5e-4
        c.sae.load = "/tmp/some \"quoted\" path"
        c.neurons.enabled = false
        c.explain.methods = ["maxact", "ensemble-concat"]
        c.score.backend.url = "http://127.0.0.1:8080/v1"
        c.score.backend.remoteModel = "m"
        #expect(try RunConfig.parse(c.toml()) == c)
    }

    @Test func missingKeysKeepTheirDefaults() throws {
        let c = try RunConfig.parse("""
            [sae]
            k = 16
            learning_rate = 0   # an integer where a float is expected is fine
            [latents]
            select = "0-3"
            """)
        var expected = RunConfig()
        expected.sae.k = 16
        expected.latents.select = "0-3"
        #expect(c == expected)
    }

    @Test func anUnknownKeyNamesTheKeyItsTableAndLine() {
        let text = "# comment\n[sae]\nk = 16\nexpansoin = 4\n"
        #expect(throws: RunConfigError.unknownKey(file: "x.toml", key: "sae.expansoin", line: 4,
                                                  known: RunConfigField.all.filter { $0.table == "sae" }.map(\.key))) {
            try RunConfig.parse(text, file: "x.toml")
        }
        do {
            _ = try RunConfig.parse(text, file: "x.toml")
        } catch {
            #expect(error.description.contains("x.toml:4"))
            #expect(error.description.contains("sae.expansoin"))
        }
    }

    @Test func anUnknownTableOrTopLevelKeyIsRefusedWithItsLine() {
        #expect(throws: RunConfigError.self) { try RunConfig.parse("[model]\nname = \"x\"\n\n[sea]\nk = 1\n") }
        do { _ = try RunConfig.parse("[model]\nname = \"x\"\n\n[sea]\nk = 1\n") } catch {
            #expect(error.line == 4)
            #expect(error.description.contains("'sea'"))
        }
        do { _ = try RunConfig.parse("seed = 3\n[model]\n") } catch {
            #expect(error.line == 1)
            #expect(error.description.contains("'seed'"))
        }
    }

    @Test func aWrongTypeNamesTheKeyLineAndTypes() {
        do {
            _ = try RunConfig.parse("[corpus]\nsource = \"wiki-vital\"\n  context_length = \"long\"\n")
            Issue.record("accepted a string for an integer")
        } catch {
            #expect(error == .wrongType(file: "config.toml", key: "corpus.context_length", line: 3, expected: "integer", found: "string"))
            #expect(error.description == "config.toml:3: 'corpus.context_length' must be a integer, not a string")
        }
        do {
            _ = try RunConfig.parse("[explain]\nmethods = [\"maxact\", 3]\n")
            Issue.record("accepted a number in a string array")
        } catch {
            #expect(error.line == 2)
            #expect(error.description.contains("explain.methods"))
        }
        do {
            _ = try RunConfig.parse("[neurons]\n\"enabled\" = 1\n")
            Issue.record("accepted an integer for a boolean")
        } catch {
            #expect(error.line == 2)
            #expect(error.description.contains("neurons.enabled") && error.description.contains("boolean"))
        }
    }

    @Test func unusableValuesNameTheKeyAndLine() {
        let cases: [(String, String, Int)] = [
            ("[latents]\nselect = \"random:x\"\n", "latents.select", 2),
            ("[explain]\n\nmethods = [\"maxact\", \"telepathy\"]\n", "explain.methods", 3),
            ("[score]\nscorers = [\"detection\", \"vibes\"]\n", "score.scorers", 2),
            ("[sae]\nk = 0\n", "sae.k", 2),
            ("[score]\nurl = \"http://127.0.0.1:9/v1\"\n", "score.remote_model", 1),
            ("[model]\nhook = \"layer 3\"\n", "model.hook", 2),
        ]
        for (text, key, line) in cases {
            do {
                _ = try RunConfig.parse(text)
                Issue.record("accepted \(text)")
            } catch {
                guard case .invalid(_, let k, let l, _) = error else { Issue.record("\(error)"); continue }
                #expect(k == key)
                #expect(l == line, "\(text)")
            }
        }
    }

    @Test func syntaxErrorsGiveTheLine() {
        do {
            _ = try RunConfig.parse("[sae]\nk = 16\nexpansion = = 4\n")
            Issue.record("accepted bad TOML")
        } catch {
            guard case .syntax(_, let line, _, _) = error else { Issue.record("\(error)"); return }
            #expect(line == 3)
        }
    }

    @Test func jsonIsCanonical() throws {
        var c = RunConfig()
        c.sae.k = 7
        let back = try JSONDecoder().decode(RunConfig.self, from: Data(try c.json().utf8))
        #expect(back == c)
        #expect(try c.json() == (try back.json()))
    }
}

/// Stage times add up over invocations (and the heartbeat saves of a running stage), in stage order.
@Test func stageTimingsAddUpInStageOrder() {
    var t = RunPipeline.timings([], adding: 3, to: "explain")
    t = RunPipeline.timings(t, adding: 2, to: "sae")
    t = RunPipeline.timings(t, adding: 4.5, to: "explain")
    #expect(t == [StageTiming(stage: "sae", seconds: 2), StageTiming(stage: "explain", seconds: 7.5)])
}
