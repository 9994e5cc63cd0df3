// AugurModels
