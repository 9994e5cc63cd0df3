import Foundation

/// Every setting of an `augur run`: model and hook, corpus, SAE (trained or loaded), caches,
/// latent selection, the neuron comparison, examples, explanation methods and backend, scorers
/// and their backend. Read from TOML with ``RunConfig/parse(_:file:)``; the defaults are the
/// quick start's (``RunConfig/init()``), written with comments by ``RunConfig/defaultTOML()``.
public struct RunConfig: Codable, Sendable, Equatable {
    /// The subject model and the hook whose features are studied.
    public struct Model: Codable, Sendable, Equatable {
        /// Catalog name, GGUF file or Hugging Face folder.
        public var name = "smollm2-135m-instruct"
        /// Hook point of the SAE, e.g. `blocks.15.hook_resid_post`.
        public var hook = "blocks.15.hook_resid_post"
    }

    /// The text the SAE is trained on and the caches are built from.
    public struct Corpus: Codable, Sendable, Equatable {
        /// Built-in corpus name, or a .txt/.jsonl file or folder.
        public var source = "wiki-vital"
        /// Tokens per context.
        public var contextLength = 256
        /// Seed of document shuffling, SAE initialisation and sampling.
        public var seed = 0
    }

    /// The SAE: trained on the corpus, or loaded from a folder.
    public struct SAE: Codable, Sendable, Equatable {
        /// A folder or file in sparsify, SAELens or Gemma Scope layout; empty: train one.
        public var load = ""
        /// Training tokens.
        public var trainTokens = 64_000
        /// Latents = width × expansion.
        public var expansion = 8
        /// Active latents per token.
        public var k = 32
        /// Adam learning rate; 0: sparsify's 2e-4 / sqrt(latents / 2^14).
        public var learningRate = 0.0
        /// Activation rows per optimisation step.
        public var batchRows = 2048
        /// Leading positions of each context left out (the attention sink).
        public var skipPositions = 1
        /// Checkpoint every N training tokens.
        public var checkpointEvery = 20_000
        /// Fraction of documents held out for evaluating the SAE.
        public var heldOut = 0.02
        /// Held-out tokens for the SAE's metrics.
        public var evalTokens = 4096
    }

    /// The latent caches (SAE and neurons) built over the corpus.
    public struct Cache: Codable, Sendable, Equatable {
        /// Tokens cached (the same for the SAE and the neurons).
        public var tokens = 32_000
        /// Contexts per forward pass and per committed batch.
        public var batch = 8
    }

    /// Which SAE latents are explained.
    public struct Latents: Codable, Sendable, Equatable {
        /// `random:N`, `top-density:N`, `0-99`, `5,17,200-210` or `all`.
        public var select = "random:4"
    }

    /// The MLP neurons of the same layer, explained the same way for comparison.
    public struct Neurons: Codable, Sendable, Equatable {
        /// Explain neurons of `blocks.L.mlp.hook_post` too.
        public var enabled = true
        /// Which neurons (same forms as `latents.select`).
        public var select = "random:2"
        /// Keep only the K largest neurons per token in the cache; 0: all.
        public var topk = 32
    }

    /// How examples are cut and drawn from the caches.
    public struct Examples: Codable, Sendable, Equatable {
        /// Tokens per example window.
        public var windowLength = 16
        /// Examples shown to the explainer.
        public var trainCount = 20
        /// Held-out activating examples for scoring.
        public var testCount = 4
        /// Non-activating examples for scoring.
        public var nonActivatingCount = 4
        /// Activation quantiles examples are drawn over.
        public var quantiles = 5
        /// Latents with fewer activating windows get no input-side description.
        public var minExamples = 10
    }

    /// An LLM backend: an in-process model, or an OpenAI-compatible server.
    public struct Backend: Codable, Sendable, Equatable {
        /// In-process instruct model (catalog name, GGUF or HF folder); used when `url` is empty.
        public var model = "smollm2-135m-instruct"
        /// OpenAI-compatible base URL (e.g. http://127.0.0.1:8080/v1); empty: in-process.
        public var url = ""
        /// Model name sent to `url`.
        public var remoteModel = ""
        /// Environment variable holding the server's API key.
        public var apiKeyEnv = "OPENAI_API_KEY"
        /// Keep replies in $AUGUR_HOME/llm-cache and reuse them.
        public var responseCache = true
        /// Requests in flight at once.
        public var concurrency = 2

        /// A backend; the defaults are an in-process SmolLM2-135M-Instruct behind the response cache.
        public init(model: String = "smollm2-135m-instruct", url: String = "", remoteModel: String = "",
                    apiKeyEnv: String = "OPENAI_API_KEY", responseCache: Bool = true, concurrency: Int = 2) {
            self.model = model
            self.url = url
            self.remoteModel = remoteModel
            self.apiKeyEnv = apiKeyEnv
            self.responseCache = responseCache
            self.concurrency = concurrency
        }
    }

    /// Explanation methods and explainer.
    public struct Explain: Codable, Sendable, Equatable {
        /// Methods: maxact, maxact-openai, contrastive, vocabproj, tokenchange, ensemble, ensemble-concat.
        public var methods = ["maxact", "vocabproj", "tokenchange", "ensemble"]
        /// The explainer.
        public var backend = Backend()
    }

    /// Scorers and their backend.
    public struct Score: Codable, Sendable, Equatable {
        /// Scorers: detection, fuzzing, intruder, simulation, embedding.
        public var scorers = ["detection", "fuzzing", "embedding", "simulation"]
        /// The scorer LLM.
        public var backend = Backend()
        /// Sentence embedder of the embedding scorer.
        public var embedder = "all-minilm-l6-v2"
        /// Detection and fuzzing ask about one example per prompt and read P("1") from the answer
        /// token's logprobs (small scorer models cannot answer batches of 5 reliably); the
        /// instructions and the description are computed once per description by the prefix cache.
        public var perExample = true
    }

    public var model = Model()
    public var corpus = Corpus()
    public var sae = SAE()
    public var cache = Cache()
    public var latents = Latents()
    public var neurons = Neurons()
    public var examples = Examples()
    public var explain = Explain()
    public var score = Score()

    /// The built-in defaults (the quick start).
    public init() {}

    /// The configuration as canonical JSON (sorted keys), as stored in the run's store.
    public func json() throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try e.encode(self), as: UTF8.self)
    }
}
