// One import for library users: every module of rrm-ledger, as swift-collections' umbrella
// module does. The modules themselves import only what they depend on (Package.swift).
@_exported import RRMAnalysis
@_exported import RRMArchive
@_exported import RRMFormat
@_exported import RRMRendering
@_exported import RRMSimulation
@_exported import RRMStore
