import ArgumentParser
import Foundation
import RRMLedger

struct ExportCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the ledger as a compressed, self-verifying archive (.tar.gz).",
        discussion: """
            The archive is a gzip-compressed POSIX tar that `tar tzf` and `zcat` read: a manifest, \
            then the entries as JSON Lines, each line an entry's canonical body exactly as hashed \
            (format version 2; docs/ARCHIVES.md), then the signed checkpoint. Compressed on every \
            core, written as a stream, in constant memory; a failed export leaves no file.
            """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: FormatOptions

    @Option(help: ArgumentHelp("The archive to write; it must not exist.", valueName: "file"))
    var out: String

    @Flag(help: "Replace the archive if it exists (atomically, once the new one is complete).")
    var force = false

    @Option(help: ArgumentHelp("Why the archive is made (kept in its manifest).", valueName: "text"))
    var note: String?

    @Option(
        help: ArgumentHelp(
            "Export a slice: this entry's lineage (with --direction, --via, --depth), each entry with its inclusion proof.", valueName: "id"
        ))
    var lineage: String?

    @Option(help: "The lineage's direction: up, down or both.")
    var direction: LineageDirection = .both

    @Option(help: ArgumentHelp("The lineage's link classes, comma-separated.", valueName: "classes"))
    var via = "evaluation,training,version,audit"

    @Option(help: ArgumentHelp("The lineage's depth limit.", valueName: "n"))
    var depth: Int?

    @Option(help: "Export a slice: the entries at this level (alone, or within --lineage).")
    var level: Int?

    @Option(help: ArgumentHelp("Export only what came after the checkpoint of this size, which the receiver holds.", valueName: "size"))
    var since: Int128?

    @Flag(
        help: ArgumentHelp(
            "Replace person ids (human:… raters and auditors) with pseudonyms, consistent within this archive only; the archive still verifies."
        ))
    var pseudonymise = false

    @Option(
        help: ArgumentHelp(
            "The archive format version: 2, or 1 for a receiver whose rrm-ledger reads version 1 only (docs/ARCHIVES.md).",
            valueName: "n"))
    var archiveVersion: Int?

    @Flag(
        help: ArgumentHelp(
            "Write W3C PROV-JSON instead of an archive: the whole ledger, or the slice --lineage and --level choose, with the facts of every entry (docs/CLI.md)."
        ))
    var prov = false

    func validate() throws {
        if prov && since != nil {
            throw ValidationError("--prov describes the whole ledger or a slice; it cannot be combined with --since")
        }
        if let archiveVersion, ArchiveVersion(rawValue: archiveVersion) == nil {
            throw ValidationError("--archive-version must be 1 or 2, not \(archiveVersion)")
        }
        if prov && archiveVersion != nil { throw ValidationError("--archive-version is an archive's; a PROV document has none (--prov)") }
        if prov && note != nil { throw ValidationError("--note is kept in an archive's manifest; a PROV document has none (--prov)") }
        if since != nil && (lineage != nil || level != nil) {
            throw ValidationError("--since makes an incremental archive; it cannot be combined with --lineage or --level")
        }
        try checkOption("--level", level, in: OptionRange.level)
        try checkOption("--depth", depth, in: OptionRange.depth)
        try checkOption("--since", since, in: OptionRange.treeSize)
        _ = try linkClasses(via)
    }

    private var selection: ArchiveSelection {
        get throws {
            if let since { return .since(size: Int64(clamping: since)) }
            if lineage != nil || level != nil {
                return .slice(
                    lineageOf: lineage, query: LineageQuery(direction: direction, via: try linkClasses(via), maxDepth: depth), level: level)
            }
            return .full
        }
    }

    func execute() throws {
        try refuseExistingOutput(out, force: force)
        let source = try openLedger(ledger, readOnly: true)
        if prov { return try exportProvenance(source) }
        let started = Date()
        let summary = try source.exportArchive(
            to: out,
            ExportOptions(
                selection: try selection, note: note, pseudonymise: pseudonymise, replacing: force,
                version: archiveVersion.flatMap(ArchiveVersion.init(rawValue:)) ?? .v2))
        let seconds = Date().timeIntervalSince(started)
        switch output.format {
        case .text:
            let what =
                summary.manifest.selection == .full
                ? "" : " (\(summary.manifest.selection.rawValue)\(summary.manifest.sliceDescription.map { ": \($0)" } ?? ""))"
            Output.line(
                "exported \(grouped(summary.manifest.entries)) entries\(what) of \(source.path) to \(out) (\(grouped(summary.bytes)) bytes, \(String(format: "%.1f", seconds)) s)"
            )
            if let pseudonymised = summary.manifest.pseudonymised {
                Output.line(
                    "person ids pseudonymised in \(grouped(pseudonymised.entries)) entries (\(pseudonymised.fields.joined(separator: ", "))); the key was used once and kept nowhere"
                )
            }
            if let checkpoint = summary.manifest.checkpoint {
                Output.line(
                    "checkpoint of \(grouped(checkpoint.size)) entries included: the archive verifies against it; \(checkpoint.rootHash.labelledRoot)"
                )
            } else {
                Output.line("no checkpoint included (rrm-ledger checkpoint signs one); head \(summary.manifest.head)")
            }
        case .json:
            Output.json([
                "archive": .string(out), "entries": .number(Double(summary.manifest.entries)), "bytes": .number(Double(summary.bytes)),
                "head": summary.manifest.head.json, "pseudonymised": .number(Double(summary.manifest.pseudonymised?.entries ?? 0)),
                "seconds": .number((seconds * 1000).rounded() / 1000),
            ])
        }
    }

    /// `--prov`: the selection as PROV-JSON, written whole under `--out` or not at all.
    private func exportProvenance(_ source: Ledger) throws {
        let started = Date()
        let selection: ProvenanceSelection
        let described: String
        if let lineage {
            let query = LineageQuery(direction: direction, via: try linkClasses(via), maxDepth: depth)
            let answer = try source.lineage(of: lineage, query, listing: LineageListing(level: level, limit: nil))
            var seqs = Set(answer.entries.keys)
            if let level, answer.start.level != level { seqs.remove(answer.start.seq) }
            selection = .entries(seqs, via: query.via)
            described = "lineage of \(lineage) (\(direction.rawValue))\(level.map { ", level \($0)" } ?? "")"
        } else if let level {
            selection = .level(level)
            described = "level \(level)"
        } else {
            selection = .all
            described = "the whole ledger"
        }
        let file = try BufferedFileWriter(path: out, replacing: force, errors: .commandLine)
        let summary = try ProvenanceJSON.write(
            from: source, selection, ProvenanceJSON.Extract(selection: described, pseudonymise: pseudonymise), to: file.write)
        try file.close()
        let seconds = Date().timeIntervalSince(started)
        switch output.format {
        case .text:
            Output.line(
                "wrote W3C PROV-JSON of \(grouped(summary.entities)) entries (\(described); \(grouped(summary.relations)) relations) of \(source.path) to \(out) (\(String(format: "%.1f", seconds)) s)"
            )
            if pseudonymise { Output.line("person ids pseudonymised; the key was used once and kept nowhere") }
        case .json:
            Output.json([
                "prov": .string(out), "entries": .number(Double(summary.entities)), "relations": .number(Double(summary.relations)),
                "head": summary.head.json, "seconds": .number((seconds * 1000).rounded() / 1000),
            ])
        }
    }
}

extension BufferedFileWriter.Errors {
    /// The command line's errors for an `--out` file: 73 when something is there, 74 when writing fails.
    static let commandLine = BufferedFileWriter.Errors(
        exists: { LedgerError.alreadyExists(path: $0) }, cannotWrite: { LedgerError.storage(path: $0, detail: $1) })
}
