// The header declares what libFuzzer defines; SwiftPM needs one source file in a C target.
#include "CLibFuzzer.h"
