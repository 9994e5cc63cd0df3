/// Where in a transformer block an activation can be read or changed, named as in TransformerLens.
public enum HookSite: String, Sendable, CaseIterable, Codable {
    /// The residual stream entering the block.
    case residPre = "hook_resid_pre"
    /// The residual stream after the attention sub-layer has been added.
    case residMid = "hook_resid_mid"
    /// The residual stream leaving the block.
    case residPost = "hook_resid_post"
    /// The attention sub-layer's output (after the output projection and any post-norm).
    case attnOut = "hook_attn_out"
    /// The MLP sub-layer's output (after the down-projection and any post-norm).
    case mlpOut = "hook_mlp_out"
    /// The MLP neurons: the input of the down-projection (width d_mlp).
    case mlpPost = "mlp.hook_post"
}

/// A hook point: a site in a given block, e.g. `blocks.6.hook_resid_post`.
public struct HookPoint: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    /// Block index, from 0.
    public var layer: Int
    /// Site within the block.
    public var site: HookSite

    /// A hook point at `site` of block `layer`.
    public init(layer: Int, site: HookSite) {
        self.layer = layer
        self.site = site
    }

    /// Parses a TransformerLens name such as `blocks.3.hook_resid_post` or `blocks.3.mlp.hook_post`.
    /// Returns nil when the text is not of that form.
    public init?(_ name: String) {
        let parts = name.split(separator: ".", maxSplits: 2).map(String.init)
        guard parts.count == 3, parts[0] == "blocks", let layer = Int(parts[1]), layer >= 0,
              let site = HookSite(rawValue: parts[2]) else { return nil }
        self.init(layer: layer, site: site)
    }

    /// The TransformerLens name.
    public var description: String { "blocks.\(layer).\(site.rawValue)" }

    public static func < (a: HookPoint, b: HookPoint) -> Bool {
        if a.layer != b.layer { return a.layer < b.layer }
        return HookSite.allCases.firstIndex(of: a.site)! < HookSite.allCases.firstIndex(of: b.site)!
    }

    /// Every hook point of a model with `layers` blocks, in forward order.
    public static func all(layers: Int) -> [HookPoint] {
        let order: [HookSite] = [.residPre, .attnOut, .residMid, .mlpPost, .mlpOut, .residPost]
        return (0..<layers).flatMap { l in order.map { HookPoint(layer: l, site: $0) } }
    }

    /// Parses `name`, checking it against a model with `layers` blocks; the error lists valid names.
    public static func parse(_ name: String, layers: Int) throws(ModelError) -> HookPoint {
        guard let p = HookPoint(name), p.layer < layers else {
            throw .unknownHook(name: name, layers: layers)
        }
        return p
    }
}
