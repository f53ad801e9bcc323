import RRMFormat

/// The simulator's seeded random numbers (SplitMix64): a seed always gives the same ledger.
public typealias SimulationRandom = SplitMix64
