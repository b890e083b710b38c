## unit tests for parser (owned by whoever builds parser)
