// AugurFormats
