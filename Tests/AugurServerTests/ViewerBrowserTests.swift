import AugurServer
import Foundation
import Testing

/// Headless Chromium (Debian's `chromium`) opening the viewer: the DOM it builds has the right
/// content, and the steering box fills in both generations through its script.
enum Chromium {
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The DOM of `url` after loading (and running scripts for up to `budgetMs` of virtual time).
    static func dumpDOM(_ url: String, budgetMs: Int? = nil, timeout: TimeInterval = 120) throws -> String {
        guard let path else { throw TestFailure("chromium is not installed") }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("augur-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        var args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=\(profile.path)"]
        if let budgetMs { args.append("--virtual-time-budget=\(budgetMs)") }
        p.arguments = args + ["--dump-dom", url]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read while it runs (a large DOM would fill the pipe), with a deadline.
        let box = DataBox()
        let handle = out.fileHandleForReading
        let reader = Thread { box.data = handle.readDataToEndOfFile() }
        reader.start()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if p.isRunning {
            p.terminate()
            throw TestFailure("chromium did not finish \(url) within \(Int(timeout)) s")
        }
        while box.data == nil { Thread.sleep(forTimeInterval: 0.02) }
        return String(decoding: box.data ?? Data(), as: UTF8.self)
    }

    final class DataBox: @unchecked Sendable {
        var data: Data?
    }
}

@Suite(.serialized, .enabled(if: Chromium.path != nil, "chromium is not installed (scripts/setup.sh --test installs it); browser tests skipped"))
struct ViewerBrowserTests {
    let fixture: ViewerFixture.Built
    init() throws { fixture = try ViewerFixture.built.get() }

    @Test func listFeatureAndSummaryRender() async throws {
        try await withViewer(fixture.store) { viewer in
            let base = viewer.url.absoluteString
            let list = try Chromium.dumpDOM(base + "?sort=score:detection")
            #expect(list.contains("12 features match"))
            #expect(list.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the description is text, not a script")
            #expect(list.components(separatedBy: "<tr class=\"feature\">").count - 1 == 12)

            let id = fixture.neuronIDs[0]
            let page = try Chromium.dumpDOM(base + "features/" + HTML.pathSegment(id))
            #expect(page.contains("<h1>\(id)</h1>"))
            #expect(page.contains("Activating examples") && page.contains("VocabProj") && page.contains("TokenChange"))
            #expect(page.contains("class=\"tok\""))
            #expect(page.contains("id=\"steer\""))

            let summary = try Chromium.dumpDOM(base + "summary")
            #expect(summary.contains("Scores by method and scorer") && summary.contains("<svg"))
            #expect(summary.contains("SAE latents vs neurons"))
        }
    }

    @Test func steeringBoxFillsInBothGenerations() async throws {
        let id = fixture.saeIDs[0]
        try await withViewer(fixture.store) { viewer in
            let url = viewer.url.absoluteString + "features/" + HTML.pathSegment(id)
                + "?autosteer=1&strength=400&max_tokens=8&prompt=" + HTML.queryValue("The river flows past")
            let dom = try Chromium.dumpDOM(url, budgetMs: 120_000)
            #expect(dom.contains("id=\"steer-done\""), "the steering request did not finish: \(dom.suffix(600))")
            let clean = section(dom, "id=\"steer-clean\">"), steered = section(dom, "id=\"steer-steered\">")
            #expect(!clean.isEmpty && !steered.isEmpty && clean != steered)
        }
    }

    /// The text of the `<pre>` opened by `marker`.
    func section(_ dom: String, _ marker: String) -> String {
        guard let r = dom.range(of: marker) else { return "" }
        return String(dom[r.upperBound...].prefix { $0 != "<" })
    }
}
