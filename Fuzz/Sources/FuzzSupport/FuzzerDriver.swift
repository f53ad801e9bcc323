import CLibFuzzer

/// What each fuzz target's `<target>_main` does: hands the command line and the target's
/// `LLVMFuzzerTestOneInput` to libFuzzer, which then runs as usual (`-runs=`, `-max_total_time=`,
/// `-merge=1`, corpus folders, a crash file to reproduce).
public func runLibFuzzer(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, testOneInput)
}
