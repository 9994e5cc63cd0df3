import AugurPipeline
import Foundation
import Hummingbird
import Logging

/// Why the viewer refused a request or could not start.
public enum ViewerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The run folder has no results store.
    case noStore(path: String)
    /// A query or form parameter has a bad value.
    case badParameter(name: String, value: String, expected: String)
    /// No feature with this id.
    case unknownFeature(String)
    /// The feature cannot be steered.
    case steeringUnavailable(feature: String, reason: String)
    /// Another process listens on the port.
    case portInUse(host: String, port: Int)
    /// Binding failed otherwise.
    case cannotBind(host: String, port: Int, detail: String)
    /// The port is outside 0…65535.
    case invalidPort(Int)
    /// The server stopped before it listened.
    case stoppedBeforeStarting(host: String, port: Int)

    public var description: String {
        switch self {
        case .noStore(let path): return "\(path) holds no results store (\(RunStore.fileName)): give a run folder made by `augur run`, `augur explain` or `augur score`"
        case let .badParameter(name, value, expected): return "bad value '\(value)' for \(name): expected \(expected)"
        case .unknownFeature(let id): return "no feature '\(id)' in this run"
        case let .steeringUnavailable(feature, reason): return "feature \(feature) cannot be steered: \(reason)"
        case let .portInUse(host, port):
            return "cannot listen on \(host):\(port): port \(port) is already in use (stop the other server or choose another --port)"
        case let .cannotBind(host, port, detail): return "cannot listen on \(host):\(port): \(detail)"
        case .invalidPort(let p): return "invalid port \(p): must be in 0…65535"
        case let .stoppedBeforeStarting(host, port): return "the viewer on \(host):\(port) stopped before it was listening"
        }
    }
}

/// The viewer's HTTP handlers.
struct ViewerRoutes: Sendable {
    let store: RunStore
    let steering: SteeringService
    let logger: Logger
    var pageSize = 100
    /// The rendered summary page, until the store changes.
    let summary = PageCache()

    func add(to router: Router<BasicRequestContext>) {
        router.get("/") { request, _ in
            self.page { try ListPage(store: self.store, pageSize: self.pageSize).html(Self.queryParameters(request)) }
        }
        router.get("/summary") { _, _ in
            self.page { try self.summaryPage() }
        }
        router.get("/features/**") { request, _ in
            self.page { try self.featurePage(request) }
        }
        router.post("/steer") { request, _ in
            await self.steer(request)
        }
        router.get("/health") { _, _ in
            Self.response("{\"status\":\"ok\"}", type: "application/json", status: .ok)
        }
    }

    func summaryPage() throws -> String {
        try summary.page(store: store) { HTML.page(title: "Augur · summary", body: try SummarySections(store: store).html()) }
    }

    func featurePage(_ request: Request) throws -> String {
        let id = Self.featureID(request)
        let page = FeaturePage(store: store)
        guard let found = try page.sections(id) else { throw ViewerError.unknownFeature(id) }
        let feature = found.feature, sections = found.html
        let params = Self.queryParameters(request)
        let box = page.steeringBox(feature, availability: steering.availability(feature), params: params)
        return HTML.page(title: "Augur · \(feature.id)", body: sections + box, script: FeaturePage.steeringScript)
    }

    /// The feature id of `/features/ID`, percent-decoded (so `a%2Fb` and `a/b` both name `a/b`).
    static func featureID(_ request: Request) -> String {
        let raw = request.head.path ?? request.uri.path
        let path = String(raw.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        let encoded = path.hasPrefix("/features/") ? String(path.dropFirst("/features/".count)) : path
        return encoded.removingPercentEncoding ?? encoded
    }

    /// The query string's parameters (`+` is a space, percent-decoded; the last of a repeated name wins).
    static func queryParameters(_ request: Request) -> [String: String] {
        formParameters(request.uri.query ?? "")
    }

    /// `a=1&b=x+y` as a dictionary.
    static func formParameters(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let plus = s.replacingOccurrences(of: "+", with: " ")
                return plus.removingPercentEncoding ?? plus
            }
            guard let k = kv.first else { continue }
            out[decode(k)] = kv.count > 1 ? decode(kv[1]) : ""
        }
        return out
    }

    /// An HTML page, or the error as a page with its status.
    func page(_ body: () throws -> String) -> Response {
        do {
            return Self.response(try body(), type: "text/html; charset=utf-8", status: .ok)
        } catch {
            let status = Self.status(error)
            if status == .internalServerError { logger.error("viewer page failed: \(error)") }
            let html = HTML.page(title: "Augur · error \(status.code)",
                                 body: "<h1>\(status.code) \(HTML.escape(status.reasonPhrase))</h1><p id=\"error\">\(HTML.escape("\(error)"))</p>")
            return Self.response(html, type: "text/html; charset=utf-8", status: status)
        }
    }

    static func status(_ error: any Error) -> HTTPResponse.Status {
        switch error as? ViewerError {
        case .unknownFeature: return .notFound
        case .badParameter: return .badRequest
        case .steeringUnavailable: return .conflict
        default: return .internalServerError
        }
    }

    /// The steering request's fields, from JSON or a form.
    struct SteerRequest: Decodable {
        var feature: String
        var prompt: String
        var strength: Float
        var maxTokens: Int?

        enum CodingKeys: String, CodingKey {
            case feature, prompt, strength
            case maxTokens = "max_tokens"
        }
    }

    func steer(_ request: Request) async -> Response {
        do {
            var request = request
            let buffer = try await request.collectBody(upTo: 1 << 20)
            let data = Data(buffer.readableBytesView)
            let body: SteerRequest
            if request.headers[.contentType]?.hasPrefix("application/json") == true {
                do { body = try JSONDecoder().decode(SteerRequest.self, from: data) } catch {
                    throw ViewerError.badParameter(name: "body", value: String(decoding: data.prefix(200), as: UTF8.self),
                                                   expected: "JSON {feature, prompt, strength, max_tokens}: \(error)")
                }
            } else {
                let form = Self.formParameters(String(decoding: data, as: UTF8.self))
                guard let feature = form["feature"] else { throw ViewerError.badParameter(name: "feature", value: "", expected: "a feature id") }
                guard let strength = form["strength"].flatMap(Float.init) else {
                    throw ViewerError.badParameter(name: "strength", value: form["strength"] ?? "", expected: "a number")
                }
                body = SteerRequest(feature: feature, prompt: form["prompt"] ?? "", strength: strength, maxTokens: form["max_tokens"].flatMap { Int($0) })
            }
            let result = try await steering.steer(featureID: body.feature, prompt: body.prompt, strength: body.strength,
                                                  maxTokens: body.maxTokens ?? 24)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return Self.response(String(decoding: try encoder.encode(result), as: UTF8.self), type: "application/json", status: .ok)
        } catch {
            let status = Self.status(error)
            if status == .internalServerError { logger.error("steering failed: \(error)") }
            let message = (try? JSONEncoder().encode(["error": "\(error)"])).map { String(decoding: $0, as: UTF8.self) } ?? "{\"error\":\"?\"}"
            return Self.response(message, type: "application/json", status: status)
        }
    }

    static func response(_ text: String, type: String, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
