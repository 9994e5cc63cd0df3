/// A stream of activation rows for training or evaluating a sparse coder.
///
/// Conformers hand out row-major batches of `width`-wide rows until they run dry.
public protocol ActivationSource {
    /// Width of each activation row (d_model for the residual stream, d_mlp for MLP neurons).
    var width: Int { get }
    /// The next `rows` × `width` floats, row-major; fewer rows (a multiple of `width` floats) near
    /// the end; `nil` once the source is exhausted.
    mutating func nextBatch(rows: Int) throws -> [Float]?
}
