/// The rows of one hook's activation matrix that belong to one sequence, handed to an intervention.
public struct HookActivations {
    /// Start of the first row; rows are `width` floats apart.
    public let base: UnsafeMutablePointer<Float>
    /// Number of rows (tokens of this sequence in this forward call).
    public let rows: Int
    /// Width of each row (d_model, or d_mlp for `mlp.hook_post`).
    public let width: Int
    /// Index of the sequence in the batch.
    public let sequence: Int
    /// Absolute position (in its sequence) of the first row.
    public let firstPosition: Int

    /// The row at absolute position `position`, if it is in this call.
    public func row(atPosition position: Int) -> UnsafeMutablePointer<Float>? {
        let r = position - firstPosition
        guard r >= 0, r < rows else { return nil }
        return base + r * width
    }
}

/// Which token positions an intervention touches.
public enum PositionSelector: Sendable, Hashable {
    /// Every position.
    case all
    /// The given absolute positions (position 0 is the first token of the sequence).
    case positions(Set<Int>)
    /// Every position at or after the given one (e.g. only generated tokens).
    case from(Int)

    /// Whether absolute position `p` is selected.
    public func contains(_ p: Int) -> Bool {
        switch self {
        case .all: true
        case .positions(let s): s.contains(p)
        case .from(let start): p >= start
        }
    }
}

/// A change applied to a hook's activations during the forward pass.
public struct Intervention: Sendable {
    /// What to do to each selected row.
    public enum Action: Sendable {
        /// Replace the row with this vector.
        case set([Float])
        /// Add `scale` × vector to the row (steering).
        case add([Float], scale: Float)
        /// Set the listed coordinates to fixed values (e.g. clamp MLP neuron 17 to 5.0).
        case clamp([Int: Float])
        /// Call `body(row, position)` on the row and let it change the row in place
        /// (e.g. clamp an SAE latent: encode, change, decode).
        case custom(@Sendable (UnsafeMutableBufferPointer<Float>, Int) -> Void)
    }

    public var action: Action
    public var positions: PositionSelector
    /// Sequences of the batch this applies to (nil: all of them).
    public var sequences: Set<Int>?

    /// An intervention doing `action` at `positions` of the chosen `sequences` (default all).
    public init(_ action: Action, positions: PositionSelector = .all, sequences: Set<Int>? = nil) {
        self.action = action
        self.positions = positions
        self.sequences = sequences
    }

    func apply(_ acts: HookActivations) throws(ModelError) {
        if let sequences, !sequences.contains(acts.sequence) { return }
        switch action {
        case .set(let v), .add(let v, _):
            guard v.count == acts.width else {
                throw .interventionShape(expected: acts.width, got: v.count)
            }
        case .clamp(let dims):
            if let bad = dims.keys.first(where: { $0 < 0 || $0 >= acts.width }) {
                throw .interventionShape(expected: acts.width, got: bad)
            }
        case .custom: break
        }
        for r in 0..<acts.rows {
            let pos = acts.firstPosition + r
            guard positions.contains(pos) else { continue }
            let row = acts.base + r * acts.width
            switch action {
            case .set(let v):
                v.withUnsafeBufferPointer { row.update(from: $0.baseAddress!, count: acts.width) }
            case .add(let v, let scale):
                for i in 0..<acts.width { row[i] += scale * v[i] }
            case .clamp(let dims):
                for (i, value) in dims { row[i] = value }
            case .custom(let body):
                body(UnsafeMutableBufferPointer(start: row, count: acts.width), pos)
            }
        }
    }
}

/// Reads and changes activations at hook points during forward passes and generation.
///
/// Add interventions with ``add(_:at:)`` and ask for captures with ``capture(_:)``. Pass the
/// same `Hooks` to successive forward calls (e.g. each generation step) and captures accumulate
/// per sequence in position order. Not thread-safe: one forward pass at a time uses it.
public final class Hooks {
    private(set) var interventions: [HookPoint: [Intervention]] = [:]
    private(set) var capturing: Set<HookPoint> = []
    /// Captured activations: for each hook point, per sequence, rows of width floats in position order.
    public private(set) var captured: [HookPoint: [Int: [Float]]] = [:]

    public init() {}

    /// Applies `intervention` at `point` on every following forward pass.
    public func add(_ intervention: Intervention, at point: HookPoint) {
        interventions[point, default: []].append(intervention)
    }

    /// Records the activations at `point` (after any intervention there).
    public func capture(_ point: HookPoint) { capturing.insert(point) }

    /// Removes every intervention (captures are kept).
    public func removeInterventions() { interventions = [:] }

    /// Forgets captured activations.
    public func clearCaptures() { captured = [:] }

    /// The captured activations of sequence `sequence` at `point` as rows × width.
    public func activations(at point: HookPoint, sequence: Int = 0) -> [Float] {
        captured[point]?[sequence] ?? []
    }

    /// Whether anything is registered at `point`.
    func isActive(_ point: HookPoint) -> Bool {
        capturing.contains(point) || interventions[point] != nil
    }

    /// The deepest layer any hook touches (nil when none).
    var deepestLayer: Int? { (Array(interventions.keys) + Array(capturing)).map(\.layer).max() }

    /// Runs the interventions, then the capture, for one sequence's rows at `point`.
    func run(_ point: HookPoint, _ acts: HookActivations) throws(ModelError) {
        if let list = interventions[point] {
            for i in list { try i.apply(acts) }
        }
        if capturing.contains(point) {
            captured[point, default: [:]][acts.sequence, default: []]
                .append(contentsOf: UnsafeBufferPointer(start: acts.base, count: acts.rows * acts.width))
        }
    }
}
