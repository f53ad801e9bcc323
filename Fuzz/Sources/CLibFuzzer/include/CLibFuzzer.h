#ifndef RRM_CLIBFUZZER_H
#define RRM_CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

// libFuzzer's entry for programs that have a main of their own (LLVM 11 and later). SwiftPM
// gives every executable a main that calls `<target>_main`; each fuzz target defines that
// function and hands control to libFuzzer here, with its LLVMFuzzerTestOneInput.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
