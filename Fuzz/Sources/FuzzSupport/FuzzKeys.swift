/// The verifier key of the seeds' signed checkpoints, written by Fuzz/make-seeds (its private
/// key was thrown away), so that the fuzzers run signature checks on notes that mutate.
public enum FuzzKeys {
    public static let verifierKey = "rrm-ledger/87e39bfff64d701df5b87f23474dbb01+178ac409+AZB+O3FWjACu7o0gByuL7rF0f19+HM946lUSdqqleSaJ"
}
