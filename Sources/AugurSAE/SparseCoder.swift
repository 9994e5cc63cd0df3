import AugurTensor

/// A dictionary of features over a `dIn`-wide activation: sparse-autoencoder latents, or MLP
/// neurons. Everything downstream (the latent cache, explanations, steering) sees features
/// only through this interface, so SAEs and neurons go through the pipeline the same way.
public protocol SparseCoder: AnyObject, Sendable {
    /// Width of the activation the coder reads (d_model, or d_mlp for neurons).
    var dIn: Int { get }
    /// Number of features.
    var numLatents: Int { get }

    /// Feature activations of `rows` activation rows: `x` is rows × dIn, `latents` rows × numLatents
    /// (dense; zero where a feature is off).
    func encode(_ x: UnsafePointer<Float>, rows: Int, into latents: UnsafeMutablePointer<Float>)

    /// The non-zero features of each row, as (latent index, value) pairs in descending value.
    func encodeSparse(_ x: UnsafePointer<Float>, rows: Int) -> [[(latent: Int32, value: Float)]]

    /// Reconstruction of `rows` rows from dense latents (rows × numLatents → rows × dIn).
    func decode(_ latents: UnsafePointer<Float>, rows: Int, into x: UnsafeMutablePointer<Float>)

    /// The direction feature `latent` writes into the activation space (its decoder row), dIn floats.
    func decoderDirection(_ latent: Int) -> [Float]
}
