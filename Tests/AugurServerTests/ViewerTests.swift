import AugurInterp
import AugurModels
import AugurPipeline
import AugurServer
import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The viewer's routes over HTTP, on a real store built from real SmolLM2 latent caches.
@Suite(.serialized) struct ViewerTests {
    let fixture: ViewerFixture.Built
    init() throws { fixture = try ViewerFixture.built.get() }

    var allIDs: [String] { fixture.saeIDs + fixture.neuronIDs }

    @Test func listShowsEveryFeatureWithItsDescription() async throws {
        #expect(fixture.saeIDs.count == 6 && fixture.neuronIDs.count == 6)
        try await withViewer(fixture.store) { viewer in
            let (status, html) = try await fetch(viewer, "/")
            #expect(status == 200)
            #expect(html.contains("12 features match"))
            for id in allIDs {
                #expect(html.contains("href=\"/features/\(HTML.pathSegment(id))\""), "no link to \(id)")
                #expect(HTML.pathSegment(id).contains("%2F"))
            }
            #expect(html.contains("words near the river and the mill"))
        }
    }

    @Test func descriptionsAndTokensAreEscaped() async throws {
        try await withViewer(fixture.store) { viewer in
            let list = try await fetch(viewer, "/?q=alert")
            #expect(list.text.contains("1 features match"))
            #expect(list.text.contains("&lt;script&gt;alert(1)&lt;/script&gt; river &amp; mill"))
            #expect(!list.text.contains("<script>alert(1)"))
            let page = try await fetch(viewer, "/features/" + HTML.pathSegment(fixture.scriptFeature))
            #expect(page.status == 200)
            #expect(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!page.text.contains("<script>alert(1)"))
            #expect(page.text.contains("Describe feature \(fixture.scriptFeature) &lt;b&gt;bold?&lt;/b&gt;"), "the prompt is escaped")
        }
        #expect(HTML.escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
    }

    @Test func searchKindFilterAndScoreSort() async throws {
        try await withViewer(fixture.store) { viewer in
            let numbers = try await fetch(viewer, "/?q=budgets")
            let odd = allIDs.enumerated().filter { $0.offset % 2 == 1 && $0.element != fixture.scriptFeature }.map(\.element)
            #expect(numbers.text.contains("\(odd.count + 1) features match"))
            for id in odd { #expect(numbers.text.contains(HTML.pathSegment(id))) }
            let neurons = try await fetch(viewer, "/?kind=neurons")
            #expect(neurons.text.contains("6 features match"))
            for id in fixture.saeIDs { #expect(!neurons.text.contains(HTML.pathSegment(id))) }

            // Sorted by the detection score of one method, highest first: the links come in that order.
            let sorted = try await fetch(viewer, "/?sort=score:detection:vocabproj&order=desc")
            let expected = allIDs.sorted { (fixture.detection[$0]?["vocabproj"] ?? 0, -(allIDs.firstIndex(of: $0) ?? 0))
                > (fixture.detection[$1]?["vocabproj"] ?? 0, -(allIDs.firstIndex(of: $1) ?? 0)) }
            #expect(linkOrder(sorted.text) == expected)
            // Best over methods, ascending.
            let best = try await fetch(viewer, "/?sort=score:detection&order=asc")
            let bestValues = linkOrder(best.text).map { id in fixture.detection[id]?.values.max() ?? -1 }
            #expect(bestValues == bestValues.sorted() && bestValues.count == 12)
            // Density, descending.
            let dense = try await fetch(viewer, "/?sort=density")
            let densities = try linkOrder(dense.text).map { try #require(fixture.store.feature(id: $0)?.density) }
            #expect(densities == densities.sorted(by: >))
        }
    }

    @Test func pagesAndBadParameters() async throws {
        try await withViewer(fixture.store, pageSize: 5) { viewer in
            let p1 = try await fetch(viewer, "/"), p3 = try await fetch(viewer, "/?page=3")
            #expect(linkOrder(p1.text) == Array(allIDs.prefix(5)) && linkOrder(p3.text) == Array(allIDs.suffix(2)))
            #expect(p1.text.contains("page 1 of 3"))
            let bad = try await fetch(viewer, "/?sort=bogus")
            #expect(bad.status == 400 && bad.text.contains("sort"))
            let badPage = try await fetch(viewer, "/?page=0")
            #expect(badPage.status == 400)
        }
    }

    @Test func featurePageShowsEvidenceDescriptionsAndScores() async throws {
        let id = fixture.saeIDs[0]
        let feature = try #require(try fixture.store.feature(id: id))
        let evidence = try #require(feature.evidence)
        try await withViewer(fixture.store) { viewer in
            let (status, html) = try await fetch(viewer, "/features/" + HTML.pathSegment(id))
            #expect(status == 200)
            #expect(html.contains("<h1>\(HTML.escape(id))</h1>"))
            // Quantile groups and highlighted tokens whose title is the activation.
            let quantiles = Set((evidence.examples?.test ?? []).compactMap(\.quantile))
            for q in quantiles { #expect(html.contains("Quantile \(q) "), "no quantile \(q) heading") }
            let top = try #require(evidence.examples?.test.max { $0.maxActivation < $1.maxActivation })
            #expect(html.contains("title=\"\(String(format: "%.3g", top.maxActivation))\""))
            #expect(html.contains("Non-activating examples"))
            // VocabProj and TokenChange tokens, escaped.
            let vp = try #require(evidence.vocabProj), tc = try #require(evidence.tokenChange)
            #expect(html.contains(">\(HTML.escape(vp.top[0].token.replacingOccurrences(of: "\n", with: "↵\n")))</span>"))
            #expect(html.contains(">\(HTML.escape(vp.bottom[0].token.replacingOccurrences(of: "\n", with: "↵\n")))</span>"))
            #expect(html.contains(">\(HTML.escape(tc.raised[0].token.replacingOccurrences(of: "\n", with: "↵\n")))</span>"))
            #expect(html.contains("Activation histogram") && html.contains("<svg"))
            // Every method's description with both scores.
            for m in ["maxact", "vocabproj", "tokenchange"] {
                #expect(html.contains("\(m) of \(id)"))
                let d = try #require(fixture.detection[id]?[m])
                #expect(html.contains(String(format: "%.3f", d)))
            }
            #expect(html.contains("id=\"steer\""), "the steering form is offered")
        }
    }

    @Test func failedScoresShowTheirCause() async throws {
        let id = allIDs[2]
        try await withViewer(fixture.store) { viewer in
            let html = try await fetch(viewer, "/features/" + HTML.pathSegment(id)).text
            #expect(html.contains("<span class=\"failed\">failed</span>"))
            #expect(html.contains("embedding server said &lt;b&gt;503&lt;/b&gt;"))
        }
    }

    @Test func unknownFeatureIs404() async throws {
        try await withViewer(fixture.store) { viewer in
            let missing = try await fetch(viewer, "/features/" + HTML.pathSegment("blocks.3.hook_resid_post/99999"))
            #expect(missing.status == 404 && missing.text.contains("no feature"))
            // An unencoded slash names the same feature as %2F.
            let plain = try await fetch(viewer, "/features/" + fixture.saeIDs[0])
            #expect(plain.status == 200)
        }
    }

    @Test func summaryHasTablePlotsMetricsAndKinds() async throws {
        try await withViewer(fixture.store) { viewer in
            let (status, html) = try await fetch(viewer, "/summary")
            #expect(status == 200)
            for s in ["maxact", "vocabproj", "tokenchange", "detection", "embedding", "fvu", "dead_fraction", "SAE latents vs neurons",
                      "Stage timings", "detection vs embedding"] {
                #expect(html.contains(s), "summary lacks \(s)")
            }
            #expect(html.contains("1 failed"), "the failed embedding score is counted apart")
            #expect(html.components(separatedBy: "<svg").count - 1 >= 5)
            // The table's mean of detection · maxact.
            let values = allIDs.compactMap { fixture.detection[$0]?["maxact"] }
            let mean = values.reduce(0, +) / Double(values.count)
            #expect(html.contains(String(format: "%.3f", mean)))
        }
    }

    @Test func steeringChangesTheTextAndCleanIsPlainGreedy() async throws {
        let id = fixture.saeIDs[0]
        let prompt = "The river flows past"
        try await withViewer(fixture.store) { viewer in
            let url = try viewerURL(viewer.url.absoluteString + "steer")
            let body = "{\"feature\":\"\(id)\",\"prompt\":\"\(prompt)\",\"strength\":400,\"max_tokens\":12}"
            let (status, data) = try await post(url, body)
            #expect(status == 200, "\(String(decoding: data, as: UTF8.self))")
            let result = try JSONDecoder().decode(SteeringResult.self, from: data)
            let model = fixture.model
            let plain = try model.generate(prompt: model.tokenize(prompt), options: GenerationOptions(maxTokens: 12)).text
            #expect(result.clean == plain)
            #expect(result.steered != result.clean)
            #expect(result.feature == id && result.strength == 400)

            let unknown = try await post(url, "{\"feature\":\"nope/1\",\"prompt\":\"x\",\"strength\":1}")
            #expect(unknown.status == 404)
            let badTokens = try await post(url, "{\"feature\":\"\(id)\",\"prompt\":\"x\",\"strength\":1,\"max_tokens\":100000}")
            #expect(badTokens.status == 400 && String(decoding: badTokens.body, as: UTF8.self).contains("max_tokens"))
        }
    }

    @Test func steeringUnavailableWithoutACache() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("augur-viewer-nocache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try RunStore(directory: dir)
        let source = try #require(try fixture.store.feature(id: fixture.saeIDs[0]))
        try store.upsertFeatures([source])
        try await withViewer(store) { viewer in
            let html = try await fetch(viewer, "/features/" + HTML.pathSegment(source.id)).text
            #expect(html.contains("id=\"steer-unavailable\"") && html.contains("records no latent cache"))
            let (status, _) = try await post(try viewerURL(viewer.url.absoluteString + "steer"),
                                             "{\"feature\":\"\(source.id)\",\"prompt\":\"x\",\"strength\":1}")
            #expect(status == 409)
        }
    }

    @Test func reportIsSelfContained() throws {
        let html = try ReportWriter.html(store: fixture.store, top: 4, scorer: "detection")
        #expect(html.contains("Top 4 features by detection"))
        #expect(html.contains("&lt;script&gt;alert(1)") && !html.contains("<script>alert(1)"))
        #expect(!html.contains("<script"), "the report has no scripts")
        let external = html.components(separatedBy: "http").dropFirst().filter { !$0.hasPrefix("://www.w3.org/2000/svg") }
        #expect(external.isEmpty, "the report refers to \(external.map { $0.prefix(40) })")
        #expect(!html.contains("src=") && !html.contains("<link"))
        // The four best features by their best detection score, in order.
        let best = allIDs.map { ($0, fixture.detection[$0]?.values.max() ?? 0) }
        let top = try fixture.store.topFeatureIDs(scorer: "detection", limit: 4)
        #expect(top.count == 4)
        for id in top { #expect(html.contains("<h1>\(HTML.escape(id))</h1>")) }
        let threshold = best.map(\.1).sorted(by: >)[3]
        #expect(top.allSatisfy { id in (best.first { $0.0 == id }?.1 ?? 0) >= threshold })
    }

    @Test func portInUseAndMissingStoreAreClearErrors() async throws {
        let first = try await ViewerServer(store: fixture.store, port: 0).logging(to: quietLogger).start()
        do {
            _ = try await ViewerServer(store: fixture.store, port: first.port).logging(to: quietLogger).start()
            Issue.record("a second viewer started on a taken port")
        } catch let e as ViewerError {
            #expect(e == .portInUse(host: "127.0.0.1", port: first.port))
            #expect(e.description.contains("port \(first.port) is already in use"))
        }
        await first.stop()
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("augur-viewer-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(throws: ViewerError.noStore(path: empty.path)) { try ViewerServer.openStore(run: empty) }
        #expect(!FileManager.default.fileExists(atPath: empty.appendingPathComponent(RunStore.fileName).path))
    }

    /// Feature ids linked from a list page, in order.
    func linkOrder(_ html: String) -> [String] {
        html.components(separatedBy: "<tr class=\"feature\"><td><a href=\"/features/").dropFirst().compactMap {
            $0.split(separator: "\"", maxSplits: 1).first.flatMap { String($0).removingPercentEncoding }
        }
    }
}
