// AugurTokenizers
