## unit tests for net (owned by whoever builds net)
