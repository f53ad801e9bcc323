extension SHA256Hash {
    /// A tree root as a person compares it, in full and in both encodings, each labelled:
    /// `root hex 3f2a…(64 digits) = base64 Pyo…=`. Signed notes and proofs carry roots in base64
    /// (C2SP), archive manifests in hex (docs/ARCHIVES.md); an auditor checking a root out of band
    /// may hold either, so every command and message that shows a root to people shows both.
    public var labelledRoot: String { "root hex \(hex) = base64 \(base64)" }
}
