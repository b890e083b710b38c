## unit tests for encode (owned by whoever builds encode)
