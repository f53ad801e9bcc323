// The shims are static inline functions in include/CShims.h; SwiftPM needs one C file per target.
#include "CShims.h"
