// Corpora, token contexts, activation streaming and the latent cache live in this module.
